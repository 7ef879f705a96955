import { z } from 'zod';
import { Product } from '../../../domain/catalogue/products';
import { etag } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { contextOf, requireIfMatch } from '../../lib/use-cases/context';
import { putProducts } from '../../lib/use-cases/config';

/** GET|PUT /v1/config/products — the tenant's catalogue (PUT replaces it; If-Match required). */
export const handler = httpRoute({ body: z.strictObject({ products: z.array(Product).min(1).max(200) }) }, async (input) => {
  const products = await putProducts(contextOf(input, getServices()), input.body.products, requireIfMatch(input.headers['if-match']));
  return { body: { products: products.value }, headers: { etag: etag(products.version) } };
});
