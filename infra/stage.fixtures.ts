/** A production stage as cdk.json (or the command line) would describe it: for the stack tests. */
export const prodContext = {
  stage: 'prod',
  account: '123456789012',
  region: 'ap-south-1',
  mailFrom: 'crm@mail.example.com',
  allowedOrigins: 'https://app.crm.example.com,https://admin.crm.example.com',
  domainName: 'api.crm.example.com',
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  hostedZoneName: 'crm.example.com',
};
