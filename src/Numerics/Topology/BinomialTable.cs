namespace Pipelines.Numerics.Topology;

/// <summary>
/// Binomial coefficients C(n, k) for n ≤ <c>maxN</c>, k ≤ <c>maxK</c>: the combinatorial number system that encodes
/// a k-simplex with vertices v_k &gt; … &gt; v_0 as the integer Σ_i C(v_i, i + 1) (Ripser's implicit simplex ids).
/// </summary>
internal sealed class BinomialTable
{
    private readonly long[] _table;
    private readonly int _stride;

    public BinomialTable(int maxN, int maxK)
    {
        _stride = maxK + 1;
        _table = new long[(maxN + 1) * _stride];
        for (int n = 0; n <= maxN; n++)
        {
            _table[n * _stride] = 1;
            for (int k = 1; k <= Math.Min(n, maxK); k++)
            {
                long v = _table[((n - 1) * _stride) + k - 1] + (k <= n - 1 ? _table[((n - 1) * _stride) + k] : 0);
                if (v < 0)
                {
                    throw new OverflowException($"C({n}, {k}) does not fit in 64 bits: too many points for simplex ids of dimension {maxK - 1}.");
                }

                _table[(n * _stride) + k] = v;
            }
        }
    }

    /// <summary>C(n, k); zero when k &gt; n.</summary>
    public long this[int n, int k] => k > n ? 0 : _table[(n * _stride) + k];
}
