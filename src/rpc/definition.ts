// What ts-proto's `outputServices=generic-definitions` emits for a service
// (src/gen/): its names and, per method, the message codecs and whether each
// side streams. No transport is named here, so the daemon's grpc-js adapter
// (grpc-js-service.ts) and the CLI's node:http2 client both start from it.

/** A message's codec as ts-proto generates it (MessageFns). */
export interface MessageType<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

export interface MethodDefinition<Req = any, Res = any> {
  /** The method as the proto names it, e.g. "Submit". */
  readonly name: string;
  readonly requestType: MessageType<Req>;
  readonly requestStream: boolean;
  readonly responseType: MessageType<Res>;
  readonly responseStream: boolean;
}

export interface ServiceDefinition {
  /** Package-qualified, e.g. "cti.v1.CtiService". */
  readonly fullName: string;
  readonly methods: Readonly<Record<string, MethodDefinition>>;
}

export type RequestOf<M> = M extends MethodDefinition<infer Req, any> ? Req : never;
export type ResponseOf<M> = M extends MethodDefinition<any, infer Res> ? Res : never;

/** The HTTP/2 :path of a call, as gRPC defines it. */
export function methodPath(service: ServiceDefinition, method: MethodDefinition): string {
  return `/${service.fullName}/${method.name}`;
}
