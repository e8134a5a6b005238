export { createTaskclusterProxyFeature, taskclusterProxyFeature, proxyScopes, PROXY_HOST, type TaskclusterProxyFeatureOptions } from './taskcluster-proxy-feature.js';
export { ProxyServer, PROXY_VERSION, type ProxyServerOptions } from './proxy-server.js';
export { proxyTarget, serviceUrl, type ProxyTarget } from './proxy-target.js';
