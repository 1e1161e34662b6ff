package dev.gptjt.tools.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** PNG charts of benchmark results (JFreeChart, headless). */
public final class Charts {
    private Charts() {}

    public static void throughput(List<EngineBench.Row> rows, String title, Path png) throws IOException {
        XYSeriesCollection series = new XYSeriesCollection();
        Map<String, XYSeries> byBackend = new LinkedHashMap<>();
        for (EngineBench.Row r : rows) {
            byBackend
                    .computeIfAbsent(r.backend(), b -> new XYSeries(b + ": generated tokens/s"))
                    .add(r.batchSize(), r.newTokPerS());
        }
        byBackend.values().forEach(series::addSeries);
        JFreeChart chart = ChartFactory.createXYLineChart(
                title, "batch size", "generated tokens / s", series, PlotOrientation.VERTICAL, true, false, false);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 800, 480);
    }

    public static void latency(List<EngineBench.Row> rows, String title, Path png) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (EngineBench.Row r : rows) {
            data.addValue(r.p50Ms(), r.backend() + " p50", Integer.toString(r.batchSize()));
            data.addValue(r.p99Ms(), r.backend() + " p99", Integer.toString(r.batchSize()));
        }
        JFreeChart chart = ChartFactory.createBarChart(title, "batch size", "request latency (ms)", data);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 800, 480);
    }
}
