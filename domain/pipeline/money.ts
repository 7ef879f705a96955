/** Money is integer minor units (paise). Expected revenue = deal value × closing probability %. */
export function expectedRevenue(dealValue: number, probabilityPercent: number): number {
  return Math.round((dealValue * probabilityPercent) / 100);
}

/** ₹ with Indian digit grouping: 40000000 paise → ₹4,00,000. */
export function formatInr(paise: number): string {
  const rupees = paise / 100;
  return `₹${rupees.toLocaleString('en-IN', { maximumFractionDigits: 2 })}`;
}
