/** @vigil/flags-sdk: local evaluation of Vigil flag sets, standalone or as an OpenFeature provider. */
export { FlagSetError, VigilFlagsClient, type VigilFlagsOptions } from './client.ts';
export { VigilProvider } from './provider.ts';
