// The grpc-js side of a generic service definition (definition.ts): the
// ServiceDefinition a grpc-js Server serves, the handler types an
// implementation must have, and a typed grpc-js client class. ctid, its peer
// links, the tests and the benches use grpc-js through these; the wire
// format is exactly what ts-proto's grpc-js output produced.

import {
  makeGenericClientConstructor,
  type CallOptions,
  type ChannelCredentials,
  type Client,
  type ClientOptions,
  type ClientReadableStream,
  type ClientUnaryCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type Metadata,
  type ServiceDefinition as GrpcJsServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { methodPath, type MethodDefinition, type RequestOf, type ResponseOf, type ServiceDefinition } from './definition.js';

type Methods<D extends ServiceDefinition> = D['methods'];

/** Serialises with the method's own codecs, under the path gRPC gives it. */
export function grpcJsService<D extends ServiceDefinition>(service: D): GrpcJsServiceDefinition {
  const methods = Object.entries(service.methods).map(([key, method]: [string, MethodDefinition]) => [
    key,
    {
      path: methodPath(service, method),
      requestStream: method.requestStream,
      responseStream: method.responseStream,
      requestSerialize: (value: unknown) => Buffer.from(method.requestType.encode(value).finish()),
      requestDeserialize: (bytes: Buffer) => method.requestType.decode(bytes),
      responseSerialize: (value: unknown) => Buffer.from(method.responseType.encode(value).finish()),
      responseDeserialize: (bytes: Buffer) => method.responseType.decode(bytes),
    },
  ]);
  return Object.fromEntries(methods) as GrpcJsServiceDefinition;
}

/** The handlers a grpc-js implementation of the service has (only the call shapes our protos use). */
export type ServerOf<D extends ServiceDefinition> = {
  -readonly [K in keyof Methods<D>]: Methods<D>[K]['responseStream'] extends true
    ? handleServerStreamingCall<RequestOf<Methods<D>[K]>, ResponseOf<Methods<D>[K]>>
    : handleUnaryCall<RequestOf<Methods<D>[K]>, ResponseOf<Methods<D>[K]>>;
};

type UnaryMethod<Req, Res> = {
  (request: Req, callback: (error: ServiceError | null, response: Res) => void): ClientUnaryCall;
  (request: Req, metadata: Metadata, callback: (error: ServiceError | null, response: Res) => void): ClientUnaryCall;
  (request: Req, metadata: Metadata, options: Partial<CallOptions>, callback: (error: ServiceError | null, response: Res) => void): ClientUnaryCall;
};
type StreamMethod<Req, Res> = (request: Req, metadata?: Metadata, options?: Partial<CallOptions>) => ClientReadableStream<Res>;

/** A grpc-js client of the service: one method per rpc, named as in the definition (camelCase). */
export type ClientOf<D extends ServiceDefinition> = Client & {
  -readonly [K in keyof Methods<D>]: Methods<D>[K]['responseStream'] extends true
    ? StreamMethod<RequestOf<Methods<D>[K]>, ResponseOf<Methods<D>[K]>>
    : UnaryMethod<RequestOf<Methods<D>[K]>, ResponseOf<Methods<D>[K]>>;
};

export type ClientClassOf<D extends ServiceDefinition> = new (address: string, credentials: ChannelCredentials, options?: Partial<ClientOptions>) => ClientOf<D>;

export function grpcJsClient<D extends ServiceDefinition>(service: D): ClientClassOf<D> {
  return makeGenericClientConstructor(grpcJsService(service), service.fullName) as unknown as ClientClassOf<D>;
}
