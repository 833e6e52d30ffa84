// gRPC server reflection, so grpcurl and other reflection clients list and
// call cti.v1 without the proto file. @grpc/reflection describes services
// from a proto-loader package definition, so the .proto files are loaded
// here at start-up: ours from proto/ (shipped with the package), and the
// health service's from grpc-health-check.

import type { Server } from '@grpc/grpc-js';
import { load } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { fileURLToPath } from 'node:url';
import { protobufFileName } from '../../gen/cti/v1/cti.js';
import { protobufFileName as peerProtoFileName } from '../../gen/cti/v1/peer.js';

/** proto/ of this package, from dist/src/daemon/grpc/. */
const PROTO_ROOT = fileURLToPath(new URL('../../../../proto/', import.meta.url));

export async function addReflection(server: Server): Promise<void> {
  const definition = await load([protobufFileName, peerProtoFileName, healthProtoPath], { includeDirs: [PROTO_ROOT] });
  new ReflectionService(definition).addToServer(server);
}
