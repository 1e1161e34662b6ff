/**
 * {@code gptjt registry}: a real Apicurio Registry server from its Maven distribution ({@link RegistryServer}, public:
 * the service's registry tests start it the same way), for the {@code registry} wire format.
 */
package dev.gptjt.cli.registry;
