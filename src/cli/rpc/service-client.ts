// A typed client of one service (its generic definition from src/gen) over
// a Channel: unary calls resolve with the decoded answer or reject with an
// RpcError; server streams are RpcStreams. Every call carries the same
// metadata (the token).

import { GRPC } from '../exit-codes.js';
import { methodPath, type RequestOf, type ResponseOf, type ServiceDefinition } from '../../rpc/definition.js';
import { startCall, type CallSpec } from './call.js';
import type { Channel } from './channel.js';
import { RpcError } from './status.js';
import { RpcStream } from './stream.js';

type Method<D extends ServiceDefinition, K extends keyof D['methods']> = D['methods'][K];

export class ServiceClient<D extends ServiceDefinition> {
  /** @param unaryDeadlineMs how long a unary call may take (the streams have no deadline: they live until cancelled) */
  constructor(
    private readonly service: D,
    private readonly channel: Channel,
    private readonly metadata: Record<string, string>,
    private readonly unaryDeadlineMs: number,
  ) {}

  unary<K extends keyof D['methods'] & string>(name: K, request: RequestOf<Method<D, K>>): Promise<ResponseOf<Method<D, K>>> {
    const method = this.service.methods[name]!;
    return new Promise((resolve, reject) => {
      const answers: ResponseOf<Method<D, K>>[] = [];
      startCall(this.channel.dial(), this.spec(name, request, this.unaryDeadlineMs), {
        message: (bytes) => answers.push(method.responseType.decode(bytes)),
        settle: (error) => {
          if (error) reject(error);
          else if (answers.length === 1) resolve(answers[0]!);
          else reject(new RpcError(GRPC.INTERNAL, `ctid answered a unary ${method.name} with ${answers.length} messages`));
        },
      });
    });
  }

  serverStream<K extends keyof D['methods'] & string>(name: K, request: RequestOf<Method<D, K>>): RpcStream<ResponseOf<Method<D, K>>> {
    const method = this.service.methods[name]!;
    return new RpcStream((events) => startCall(this.channel.dial(), this.spec(name, request), events), (bytes) => method.responseType.decode(bytes));
  }

  private spec(name: string, request: unknown, timeoutMs?: number): CallSpec {
    const method = this.service.methods[name]!;
    return { path: methodPath(this.service, method), metadata: this.metadata, request: method.requestType.encode(request).finish(), timeoutMs };
  }
}
