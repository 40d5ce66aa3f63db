// The same 500 wired pairs as bench_app_infrakit.py, written with AWS CDK (L1 constructs),
// for the side-by-side figure in bench_app.py. Run: node app.js OUT_DIR PAIRS
// (needs `npm install aws-cdk-lib constructs` in this folder; bench_app.py skips CDK and
// says so when node or the packages are missing).
const cdk = require("aws-cdk-lib");
const { ec2, s3, sqs, iam, secretsmanager } = {
  ec2: require("aws-cdk-lib/aws-ec2"),
  s3: require("aws-cdk-lib/aws-s3"),
  sqs: require("aws-cdk-lib/aws-sqs"),
  iam: require("aws-cdk-lib/aws-iam"),
  secretsmanager: require("aws-cdk-lib/aws-secretsmanager"),
};

const [outdir, pairsArg] = process.argv.slice(2);
const pairs = Number(pairsArg || 500);
// No CDK metadata, version reporting or bootstrap rules: the same plain templates as the others.
const synthesizer = () => new cdk.LegacyStackSynthesizer();
const app = new cdk.App({ outdir, analyticsReporting: false, context: { "aws:cdk:disable-stack-trace": true } });

for (let i = 0; i < pairs; i++) {
  const net = new cdk.Stack(app, `network-${i}`, { synthesizer: synthesizer(), analyticsReporting: false });
  const vpc = new ec2.CfnVPC(net, "Vpc", {
    cidrBlock: `10.${i % 256}.0.0/16`, enableDnsHostnames: true, enableDnsSupport: true,
    tags: [{ key: "environment", value: "bench" }],
  });
  const gw = new ec2.CfnInternetGateway(net, "Gateway");
  const att = new ec2.CfnVPCGatewayAttachment(net, "GatewayAttachment", { vpcId: vpc.ref, internetGatewayId: gw.ref });
  const rt = new ec2.CfnRouteTable(net, "PublicRoutes", { vpcId: vpc.ref });
  const route = new ec2.CfnRoute(net, "DefaultRoute", { routeTableId: rt.ref, destinationCidrBlock: "0.0.0.0/0", gatewayId: gw.ref });
  route.addDependency(att);
  const subnets = [];
  for (let s = 0; s < 2; s++) {
    const subnet = new ec2.CfnSubnet(net, `Subnet${s}`, {
      vpcId: vpc.ref,
      cidrBlock: cdk.Fn.select(s, cdk.Fn.cidr(vpc.attrCidrBlock, 2, "8")),
      availabilityZone: cdk.Fn.select(s, cdk.Fn.getAzs()),
      mapPublicIpOnLaunch: true,
    });
    new ec2.CfnSubnetRouteTableAssociation(net, `Subnet${s}Routes`, { subnetId: subnet.ref, routeTableId: rt.ref });
    subnets.push(subnet);
  }
  new cdk.CfnOutput(net, "VpcId", { value: vpc.ref });
  new cdk.CfnOutput(net, "SubnetIds", { value: cdk.Fn.join(",", subnets.map((x) => x.ref)) });

  const svc = new cdk.Stack(app, `service-${i}`, { synthesizer: synthesizer(), analyticsReporting: false });
  const vpcId = new cdk.CfnParameter(svc, "VpcId", { type: "String", description: "The VPC the service runs in" });
  const subnetIds = new cdk.CfnParameter(svc, "SubnetIds", { type: "CommaDelimitedList", description: "The subnets the service runs in" });
  const queue = new sqs.CfnQueue(svc, "WorkQueue", { messageRetentionPeriod: (1 + (i % 14)) * 86400 });
  const bucket = new s3.CfnBucket(svc, "Artifacts", {
    versioningConfiguration: { status: "Enabled" }, tags: [{ key: "vpc", value: vpcId.valueAsString }],
  });
  const secret = new secretsmanager.CfnSecret(svc, "ApiKey", {
    description: "API key of the service", generateSecretString: { passwordLength: 32, excludePunctuation: true },
  });
  const role = new iam.CfnRole(svc, "WorkerRole", {
    assumeRolePolicyDocument: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] },
    policies: [{
      policyName: "work",
      policyDocument: { Version: "2012-10-17", Statement: [
        { Effect: "Allow", Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage"], Resource: queue.attrArn },
        { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: cdk.Fn.join("", [bucket.attrArn, "/*"]) },
        { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secret.ref },
      ] },
    }],
    tags: [{ key: "subnets", value: cdk.Fn.join(":", subnetIds.valueAsList) }],
  });
  new cdk.CfnOutput(svc, "QueueUrl", { value: queue.ref });
  new cdk.CfnOutput(svc, "BucketName", { value: bucket.ref });
  new cdk.CfnOutput(svc, "RoleArn", { value: role.attrArn });
}
app.synth();
