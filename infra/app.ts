import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createCrmStacks } from './crm-stacks';

const app = new App();
createCrmStacks(app);
// cdk-nag 3 runs as a policy-validation plugin: any unacknowledged finding fails the synth.
// Acknowledgements sit next to the resources they concern, each with its reason.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
