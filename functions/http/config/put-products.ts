import { httpRoute } from '../../lib/http/route';
import { putProducts } from '../../lib/use-cases/config';
import { ProductsDocument } from './schemas';

/** PUT /v1/config/products */
export const handler = httpRoute(
  {
    summary: 'Replace the product catalogue',
    description: 'tenant_admin. Ids are unique; a product cannot be removed, only deactivated (`active: false`), so every opportunity keeps its product.',
    body: ProductsDocument,
    ifMatch: 'required',
    response: { status: 200, schema: ProductsDocument },
  },
  async ({ ctx, body, expectedVersion }) => {
    const products = await putProducts(ctx, body.products, expectedVersion);
    return { body: { products: products.value }, version: products.version };
  },
);
