export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="7" fill="var(--accent)" />
      <path d="M10 23V9m6 14V6m6 17V11" stroke="#fff" strokeWidth="3" strokeLinecap="round" />
    </svg>
  );
}
