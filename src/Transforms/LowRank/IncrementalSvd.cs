using Pipelines.Numerics.LinearAlgebra;

namespace Pipelines.Transforms.LowRank;

/// <summary>
/// Mean-centred incremental SVD of a stream of row blocks (incremental PCA, Ross et al. 2008, as peft's
/// <c>IncrementalPCA</c>): each update factors <c>[diag(σ)·Vᵀ; X − x̄_b; √(n·b/(n+b))·(x̄ − x̄_b)]</c> and keeps
/// <see cref="Components"/> triplets; it also tracks the total variance for explained-variance ratios and the cosine
/// similarity of each component with its previous estimate (EVA's convergence test).
/// </summary>
internal sealed class IncrementalSvd
{
    private readonly ulong _seed;
    private double[]? _mean;
    private double _sumSquares;
    private long _count;
    private float[] _s = [];
    private double[] _similarity = [];

    public IncrementalSvd(int components, ulong seed)
    {
        Components = components;
        _seed = seed;
    }

    public int Components { get; }

    public Matrix? Vt { get; private set; }

    public int Updates { get; private set; }

    public void Update(Matrix x)
    {
        int b = x.Rows;
        int d = x.Cols;
        if (b == 0)
        {
            return;
        }

        double[] batchMean = new double[d];
        for (int i = 0; i < b; i++)
        {
            Span<float> row = x.Row(i);
            for (int j = 0; j < d; j++)
            {
                batchMean[j] += row[j];
                _sumSquares += (double)row[j] * row[j];
            }
        }

        for (int j = 0; j < d; j++)
        {
            batchMean[j] /= b;
        }

        int prev = Vt?.Rows ?? 0;
        var stack = new Matrix(prev + b + (prev > 0 ? 1 : 0), d);
        for (int i = 0; i < prev; i++)
        {
            Span<float> dst = stack.Row(i);
            Vt!.Row(i).CopyTo(dst);
            System.Numerics.Tensors.TensorPrimitives.Multiply(dst, _s[i], dst);
        }

        for (int i = 0; i < b; i++)
        {
            Span<float> src = x.Row(i);
            Span<float> dst = stack.Row(prev + i);
            for (int j = 0; j < d; j++)
            {
                dst[j] = (float)(src[j] - batchMean[j]);
            }
        }

        if (prev > 0)
        {
            double f = Math.Sqrt((double)_count * b / (_count + b));
            Span<float> dst = stack.Row(prev + b);
            for (int j = 0; j < d; j++)
            {
                dst[j] = (float)(f * (_mean![j] - batchMean[j]));
            }
        }

        // Update the running mean.
        _mean ??= new double[d];
        for (int j = 0; j < d; j++)
        {
            _mean[j] = ((_mean[j] * _count) + (batchMean[j] * b)) / (_count + b);
        }

        _count += b;
        int k = Math.Min(Components, Math.Min(stack.Rows, d));
        SvdResult svd = stack.Rows <= 256
            ? JacobiSvd.Compute(stack).Slice(0, k)
            : RandomizedSvd.Compute(stack, new RandomizedSvdOptions { Rank = k, Oversampling = 10, PowerIterations = 4, Seed = _seed + (ulong)Updates, MaxThreads = 1 }).Svd;
        Matrix vt = svd.Vt;
        _similarity = new double[k];
        if (Vt is not null)
        {
            for (int i = 0; i < Math.Min(k, Vt.Rows); i++)
            {
                _similarity[i] = Math.Abs(System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(vt.Row(i), Vt.Row(i)));
            }
        }

        Vt = vt;
        _s = svd.S;
        Updates++;
    }

    /// <summary>True when the first <paramref name="rank"/> components moved by less than τ in cosine in the last update.</summary>
    public bool Converged(int rank, double tau) =>
        Vt is not null && Updates > 1 && _similarity.Take(Math.Min(rank, _similarity.Length)).All(s => s >= tau);

    /// <summary>σᵢ² / Σ‖x − x̄‖² for the kept components.</summary>
    public double[] ExplainedVarianceRatio()
    {
        if (_mean is null)
        {
            return [];
        }

        double meanSq = _mean.Sum(m => m * m);
        double total = _sumSquares - (_count * meanSq);
        return _s.Select(s => total > 0 ? (double)s * s / total : 0).ToArray();
    }
}
