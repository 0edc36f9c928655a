/**
 * The task simulation's VPC (test/support/task/network.ts) against the kernel's bridge: what the tasks that keep
 * running see when another task's network goes.
 */
import { NetworkNamespace, Vpc } from './support/task/network.js';
import { runOrThrow, sleep } from './support/task/processes.js';
import { describeWith } from './support/programs.js';

/** A link's hardware address, as `ip` in `namespace` prints it. */
async function hardwareAddress(namespace: NetworkNamespace, link: string): Promise<string | undefined> {
  const [command, ...args] = namespace.enter(['/usr/sbin/ip', '-o', 'link', 'show']);
  const line = (await runOrThrow(command, args)).split('\n').find((candidate) => candidate.includes(` ${link}:`) || candidate.includes(` ${link}@`));
  return line ? /link\/ether (\S+)/.exec(line)?.[1] : undefined;
}

describeWith(['root', 'unshare'])('the VPC bridge', () => {
  const namespaces: NetworkNamespace[] = [];

  afterAll(async () => {
    for (const namespace of namespaces) await namespace.close().catch(() => undefined);
  });

  test("keeps its address when a task's network goes, so the tasks still running keep reaching the VPC's hosts", async () => {
    const vpc = await Vpc.create();
    namespaces.push(vpc);
    const running = await new NetworkNamespace('a task that keeps running').ready();
    const leaving = await new NetworkNamespace('a task that stops').ready();
    namespaces.push(running, leaving);
    await vpc.attach(running);
    const port = `vt${(await vpc.attach(leaving)).split('.').pop()}`;
    // The leaving task's port takes the lowest address there is: a bridge without an address of its own takes its
    // ports' lowest, so it would take this one, then change when the port goes.
    await vpc.ip([`link set ${port} address 02:00:00:00:00:00`]);
    const before = await hardwareAddress(vpc, 'vpc0');
    await leaving.close();
    for (let attempt = 0; (await hardwareAddress(vpc, port)) !== undefined; attempt++) {
      if (attempt > 200) throw new Error(`${port} is still there after its namespace went`);
      await sleep(10);
    }
    // The running task's neighbour entry for the gateway (and every host on the bridge) holds this address.
    expect(await hardwareAddress(vpc, 'vpc0')).toBe(before);
  });
});
