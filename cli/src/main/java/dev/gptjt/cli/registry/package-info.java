/**
 * {@code gptjt registry}: a real Apicurio Registry server from its Maven distribution (the local cluster's
 * {@code RegistryServer}, which the service's registry tests start the same way), for the {@code registry} wire
 * format.
 */
package dev.gptjt.cli.registry;
