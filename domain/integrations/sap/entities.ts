import { odataKey } from './odata';

/**
 * The S/4HANA entities the CRM syncs, each read through its released OData V2 API (SAP Business
 * Accelerator Hub: API_BUSINESS_PARTNER, API_SALES_ORDER_SRV, API_BILLING_DOCUMENT_SRV) with the
 * navigation properties its mapping needs expanded in the same request.
 */
export const SAP_ENTITIES = {
  BusinessPartner: {
    service: 'API_BUSINESS_PARTNER',
    entitySet: 'A_BusinessPartner',
    expand: [
      'to_BusinessPartnerAddress/to_PhoneNumber',
      'to_BusinessPartnerAddress/to_EmailAddress',
      'to_BusinessPartnerAddress/to_MobilePhoneNumber',
      // The GSTIN is a tax number of the partner (A_BusinessPartnerTaxNumber), not of an address.
      'to_BusinessPartnerTax',
    ],
  },
  SalesOrder: { service: 'API_SALES_ORDER_SRV', entitySet: 'A_SalesOrder', expand: ['to_Item'] },
  BillingDocument: { service: 'API_BILLING_DOCUMENT_SRV', entitySet: 'A_BillingDocument', expand: ['to_Item'] },
} as const;

export type SapEntity = keyof typeof SAP_ENTITIES;

export const isSapEntity = (entity: string): entity is SapEntity => Object.hasOwn(SAP_ENTITIES, entity);

/** The path and query that read one entity with its expansions, under the S/4HANA host: `/sap/opu/odata/sap/API_…/A_…('<key>')?$expand=…&$format=json`. */
export function odataPath(entity: SapEntity, key: string): string {
  const { service, entitySet, expand } = SAP_ENTITIES[entity];
  return `/sap/opu/odata/sap/${service}/${entitySet}(${odataKey(key)})?$expand=${expand.join(',')}&$format=json`;
}
