/**
 * A kafkajs partition assigner that keeps partition N of every input topic on one member.
 *
 * service-metrics and health-status are both keyed by serviceId with the same partition count,
 * so a service lives in partition N of both; the scorer needs both halves of a service in one
 * place (traffic and active checks meet in one window). kafkajs's round-robin assigner spreads
 * topic-partitions independently and would split them. Partition numbers are dealt round-robin
 * over the members sorted by id: deterministic, balanced to within one partition number.
 */
import type { PartitionAssigner } from 'kafkajs';
import kafkajs from 'kafkajs';

const { AssignerProtocol } = kafkajs;

export const CO_PARTITION_ASSIGNER_NAME = 'SlbCoPartitioned';

/** Pure: member ids and each topic's partition ids in, member -> topic -> partitions out. */
export function assignCoPartitioned(
  memberIds: readonly string[],
  partitionsByTopic: Readonly<Record<string, readonly number[]>>,
): Map<string, Record<string, number[]>> {
  const members = [...memberIds].sort();
  const out = new Map<string, Record<string, number[]>>(members.map((m) => [m, {}]));
  if (members.length === 0) return out;
  const numbers = [...new Set(Object.values(partitionsByTopic).flat())].sort((a, b) => a - b);
  numbers.forEach((n, i) => {
    const assignment = out.get(members[i % members.length]!)!;
    for (const [topic, partitions] of Object.entries(partitionsByTopic)) {
      if (!partitions.includes(n)) continue;
      (assignment[topic] ??= []).push(n);
    }
  });
  return out;
}

export const coPartitionAssigner: PartitionAssigner = ({ cluster }) => ({
  name: CO_PARTITION_ASSIGNER_NAME,
  version: 0,
  async assign({ members, topics }) {
    const partitionsByTopic: Record<string, number[]> = {};
    for (const topic of topics) partitionsByTopic[topic] = cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId);
    const plan = assignCoPartitioned(
      members.map((m) => m.memberId),
      partitionsByTopic,
    );
    return [...plan].map(([memberId, assignment]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: Buffer.alloc(0) }),
    }));
  },
  protocol({ topics }) {
    return { name: CO_PARTITION_ASSIGNER_NAME, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
  },
});
