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
