export { createInteractiveFeature, INIT_IN_CONTAINER, type InteractiveOptions, type InteractiveFeatureOptions } from './interactive-feature.js';
export { InteractiveServer, type ShellRegistration, type ShellHandler, type DisplayHandlers, type DisplaysHandler } from './interactive-server.js';
export {
  interactiveConfigSchema,
  interactiveServerConfig,
  shellPageUrl,
  displayPageUrl,
  InteractiveConfigError,
  type InteractiveServerConfig,
  type InteractiveSettings,
} from './interactive-config.js';
export { MESSAGE, decodeClientMessage, frame, stoppedFrame, parseSessionRequest, type ClientMessage, type SessionRequest } from './protocol.js';
export { KeepAlive, deadlineFor, type KeepAliveTimes } from './keep-alive.js';
export { parseDisplayRequest, parseDisplayListing, explainDisplayFailure, x11vncCommand, rfbFailure, type ListedDisplay } from './display.js';
export { DisplaySession, refuseDisplay } from './display-session.js';
