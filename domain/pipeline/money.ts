/** Money is integer minor units (paise). Expected revenue = deal value × closing probability %. */
export function expectedRevenue(dealValue: number, probabilityPercent: number): number {
  return Math.round((dealValue * probabilityPercent) / 100);
}

/** ₹ with Indian digit grouping: 40000000 paise → ₹4,00,000; 150 → ₹1.50; -150 → -₹1.50. */
export function formatInr(paise: number): string {
  const rupees = Math.abs(paise) / 100;
  // Whole rupees show no decimals; otherwise always two (₹1.50, never ₹1.5).
  const digits = paise % 100 === 0 ? 0 : 2;
  return `${paise < 0 ? '-' : ''}₹${rupees.toLocaleString('en-IN', { minimumFractionDigits: digits, maximumFractionDigits: 2 })}`;
}

/**
 * Rupees the way Indian sales teams say them: crores (1 Cr = ₹1,00,00,000) and lakhs
 * (1L = ₹1,00,000), to at most two decimals without trailing zeros — ₹2 Cr, ₹12.5L, ₹80L; below a
 * lakh the grouped figure, ₹30,000. Negative amounts keep their sign.
 */
export function formatInrShort(paise: number): string {
  const rupees = Math.abs(paise) / 100;
  const sign = paise < 0 ? '-' : '';
  const short = (n: number) => String(Math.round(n * 100) / 100);
  if (rupees >= 1_00_00_000) return `${sign}₹${short(rupees / 1_00_00_000)} Cr`;
  if (rupees >= 1_00_000) return `${sign}₹${short(rupees / 1_00_000)}L`;
  return formatInr(paise);
}
