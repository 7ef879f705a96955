import { httpRoute } from '../../lib/http/route';
import { getProducts } from '../../lib/use-cases/config';
import { ProductsDocument } from './schemas';

/** GET /v1/config/products */
export const handler = httpRoute({ summary: 'The product catalogue', response: { status: 200, schema: ProductsDocument } }, async ({ ctx }) => {
  const products = await getProducts(ctx);
  return { body: { products: products.value }, version: products.version };
});
