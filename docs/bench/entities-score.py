# Scores `run --task entities` outputs (/tmp/entities-{seen,unseen}-{free,spans}.jsonl) against docs/bench/entities-*.jsonl
# (BENCHMARKS.md, "Extraction under its output shape").
import json,sys
def load(p): return {json.loads(l)["id"]: json.loads(l) for l in open(p)}
for s in ["seen","unseen"]:
    gold = load(f"docs/bench/entities-{s}.jsonl")
    for mode in ["free","spans"]:
        out = load(f"/tmp/entities-{s}-{mode}.jsonl")
        exact=0; ents=0; halluc=0; parsed=0; tp=0; fp=0; fn=0
        for i,g in gold.items():
            got=[e["text"] for e in out[i]["entities"]]
            gs=set(x.lower() for x in g["entities"]); os_=set(x.lower() for x in got)
            exact += gs==os_
            ents += len(got)
            halluc += sum(1 for e in got if e not in g["text"])
            tp += len(gs & os_); fp += len(os_-gs); fn += len(gs-os_)
        n=len(gold)
        print(f"{s:7s} {mode:6s} exact-set {exact}/{n}  entities {ents}  not in input {halluc} ({halluc/max(ents,1):.0%})  P {tp/max(tp+fp,1):.2f} R {tp/max(tp+fn,1):.2f}")
