/**
 * The scheduled job, as copilot/<job>/manifest.yml and the state machine Copilot renders for it: an EventBridge rule
 * on the schedule starts a Step Functions execution that runs the Django image's management command in a Fargate
 * task of its own and waits for it to end; a failed run is tried again (10 s later, then ×1.5), and an execution
 * longer than the job's timeout is stopped, its task with it.
 */
import { Duration, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { djangoWorkload, type DjangoResources } from './django';
import type { Job } from './project';

export interface ScheduledJobProps {
  resources: DjangoResources;
  job: Job;
  cluster: ecs.ICluster;
}

export class ScheduledJob extends Construct implements ec2.IConnectable {
  /** The job's tasks wear it: the database (and Redis) admit them. */
  readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, { resources, job, cluster }: ScheduledJobProps) {
    super(scope, id);
    // Replaces the image's entrypoint: a job runs none of the start-up steps; the service's deploy migrated.
    const taskDefinition = djangoWorkload(this, resources, { name: job.name, cpu: job.cpu, memory: job.memory, entryPoint: job.entryPoint, command: job.command });

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', { vpc: cluster.vpc, description: `Tasks of the ${job.name} job` });
    this.connections = new ec2.Connections({ securityGroups: [securityGroup] });
    const run = new tasks.EcsRunTask(this, 'Run', {
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      cluster,
      taskDefinition,
      launchTarget: new tasks.EcsFargateLaunchTarget({ platformVersion: ecs.FargatePlatformVersion.LATEST }),
      // As the services: public subnets and a public address to reach the image registry, no NAT gateway.
      subnets: { subnetType: ec2.SubnetType.PUBLIC },
      assignPublicIp: true,
      securityGroups: [securityGroup],
      propagatedTagSource: ecs.PropagatedTagSource.TASK_DEFINITION,
    });
    if (job.retries > 0) run.addRetry({ errors: [sfn.Errors.ALL], interval: Duration.seconds(10), maxAttempts: job.retries, backoffRate: 1.5 });

    const machine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(run),
      timeout: Duration.seconds(job.timeoutSeconds),
      // Every step of every run (one a day), without its input and output: the task's ARN and why it ended.
      logs: { destination: new logs.LogGroup(this, 'ExecutionLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }), level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    new events.Rule(this, 'Schedule', { schedule: events.Schedule.expression(job.schedule), targets: [new eventsTargets.SfnStateMachine(machine)] });

    Validations.of(machine).acknowledge(...[
      { id: `AwsSolutions-IAM5[Resource::${everyRevision(taskDefinition)}]`, reason: 'ecs:RunTask of this job\'s own task definition, any revision (its family), as CDK grants it: each deploy registers a new revision.' },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Actions that name no resource, written by CDK: ecs:StopTask and ecs:DescribeTasks of the task the run starts (its ARN exists only then), ' +
          'the log delivery of the execution logs, and X-Ray\'s trace segments.',
      },
    ]);
  }
}

/**
 * Every revision of `taskDefinition` as cdk-nag prints the resource of CDK's ecs:RunTask grant: the family's ARN, cut
 * from the task definition's, and `:*`.
 */
function everyRevision(taskDefinition: ecs.TaskDefinition): string {
  const ref = { Ref: Stack.of(taskDefinition).getLogicalId(taskDefinition.node.defaultChild as CfnElement) };
  const arnPart = (index: number) => ({ 'Fn::Select': [index, { 'Fn::Split': [':', ref] }] });
  const familyPart = (index: number) => ({ 'Fn::Select': [index, { 'Fn::Split': ['/', arnPart(5)] }] });
  return `arn:${[1, 2, 3, 4].map((index) => JSON.stringify(arnPart(index))).join(':')}:${JSON.stringify(familyPart(0))}/${JSON.stringify(familyPart(1))}:*`;
}
