/**
 * The LAN: BEP 14 discovery of other apt-dht nodes, and mDNS advertising of
 * the proxy to apt clients (`_apt_proxy._tcp`).
 *
 * @module
 */
export * from "./constants.ts";
export * from "./lan_interfaces.ts";
export * from "./lan_nodes.ts";
export * from "./lsd_message.ts";
export * from "./lan_discovery.ts";
export * from "./mdns_advertiser.ts";
