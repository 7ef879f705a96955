import { etag } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { contextOf } from '../../lib/use-cases/context';
import { getProducts } from '../../lib/use-cases/config';

/** GET|PUT /v1/config/products — the tenant's catalogue (PUT replaces it; If-Match required). */
export const handler = httpRoute({}, async (input) => {
  const products = await getProducts(contextOf(input, getServices()));
  return { body: { products: products.value }, headers: { etag: etag(products.version) } };
});
