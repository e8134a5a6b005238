export { artifactsFeature, artifactsOptionsSchema, type ArtifactsOptions } from './artifacts-feature.js';
export type { DeclaredArtifact } from './collect-artifact.js';
export {
  chainOfTrustFeature,
  CERTIFIED_LOG,
  CHAIN_OF_TRUST,
  CHAIN_OF_TRUST_SIGNATURE,
  chainOfTrustConfigSchema,
} from './chain-of-trust/chain-of-trust-feature.js';
export { loadSigningKey, parseSigningKey, rawPublicKey, SigningKeyError } from './chain-of-trust/signing-key.js';
export { chainOfTrustDocument, serializeDocument, type ChainOfTrustDocument } from './chain-of-trust/document.js';
export { contentTypeFor } from './content-type.js';
