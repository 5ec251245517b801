using Pipelines.Numerics.LinearAlgebra;

namespace Pipelines.Transforms.LowRank;

/// <summary>
/// Per-layer rank allocation by EVA's redistribution (Paischer et al. 2024, "One initialization to rule them all", §3.2;
/// peft <c>EvaConfig.rho</c>) as an option of every weight-spectrum initialiser: each target offers its round(ρ·r) leading
/// components of W (in×out) with explained-variance ratio ξᵢ = σᵢ²/‖W‖²_F, and the Σr largest ξ over all targets win. The
/// total rank budget Σr is kept; ranks move to the weights whose spectrum is most concentrated. A target that wins no
/// component gets no adapter. (EVA itself always redistributes, by the spectrum of the layer inputs instead of W.)
/// </summary>
public sealed record RankRedistribution
{
    /// <summary>Default values, read by the API and the <c>lora init --redistribute-ranks</c> option alike.</summary>
    public static class Defaults
    {
        /// <summary>ρ: components offered per target = round(ρ·r) (peft's EVA default 2).</summary>
        public const double Rho = 2.0;

        /// <summary>Scale α with the new rank so the scale s stays that of the requested rank (peft <c>adjust_scaling_factors</c>).</summary>
        public const bool AdjustScaling = true;
    }

    /// <summary>ρ ≥ 1: components offered per target = round(ρ·r), capped at min(in, out).</summary>
    public double Rho { get; init; } = Defaults.Rho;

    /// <summary>α_new = α·r_new/r (α·√(r_new/r) with rsLoRA), so s is unchanged by the move.</summary>
    public bool AdjustScaling { get; init; } = Defaults.AdjustScaling;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when ρ is not a finite number ≥ 1.</summary>
    public void Validate()
    {
        if (!(Rho >= 1 && double.IsFinite(Rho)))
        {
            throw new ArgumentOutOfRangeException(nameof(Rho), Rho, "The redistribution pool ρ must be a finite number ≥ 1.");
        }
    }

    /// <summary>Components offered by a target of rank <paramref name="rank"/> with at most <paramref name="limit"/> singular values.</summary>
    internal static int Pool(double rho, int rank, int limit) => Math.Min(limit, Math.Max(1, (int)Math.Round(rho * rank)));

    /// <summary>
    /// The global allocation: the <paramref name="budget"/> largest ξ over every target's candidates (ties: lower
    /// target index first, then candidate order), counted per target.
    /// </summary>
    /// <param name="xi">Per target, its candidates' explained-variance ratios, largest first.</param>
    /// <param name="budget">Σr, the ranks to hand out.</param>
    internal static int[] Allocate(IReadOnlyList<double[]> xi, int budget)
    {
        var candidates = new List<(int Target, int Index, double Xi)>();
        for (int t = 0; t < xi.Count; t++)
        {
            for (int c = 0; c < xi[t].Length; c++)
            {
                candidates.Add((t, c, xi[t][c]));
            }
        }

        int[] ranks = new int[xi.Count];
        foreach ((int t, _, _) in candidates.OrderByDescending(c => c.Xi).ThenBy(c => c.Target).ThenBy(c => c.Index).Take(budget))
        {
            ranks[t]++;
        }

        return ranks;
    }

    /// <summary>
    /// New ranks (and α) for <paramref name="targets"/> from the leading singular values of their weights (randomized SVD
    /// with the options' power iterations, oversampling and seed); targets left with rank 0 are dropped.
    /// </summary>
    internal (List<LowRankTarget> Targets, List<Matrix> Weights) Apply(
        IReadOnlyList<LowRankTarget> targets, IReadOnlyList<Matrix> weights, LowRankOptions options, int threads)
    {
        var xi = new double[targets.Count][];
        Parallel.For(0, targets.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, i =>
        {
            LowRankTarget t = targets[i];
            int k = Pool(Rho, t.Rank, Math.Min(t.InFeatures, t.OutFeatures));
            RandomizedSvdResult r = RandomizedSvd.Compute(weights[i], new RandomizedSvdOptions
            {
                Rank = k,
                Oversampling = Math.Max(options.Oversampling, 8),
                PowerIterations = options.PowerIterations,
                MaxPowerIterations = Math.Max(1, options.PowerIterations),
                Seed = options.Seed + (ulong)i,
                MaxThreads = 1,
            });
            double norm2 = r.Norm * r.Norm;
            xi[i] = r.Svd.S.Select(s => norm2 > 0 ? (double)s * s / norm2 : 0).ToArray();
        });

        int[] ranks = Allocate(xi, targets.Sum(t => t.Rank));
        var kept = new List<LowRankTarget>();
        var keptWeights = new List<Matrix>();
        for (int i = 0; i < targets.Count; i++)
        {
            if (ranks[i] == 0)
            {
                continue;
            }

            LowRankTarget t = targets[i];
            float alpha = AdjustScaling ? t.AlphaFor(t.Scale, ranks[i]) : t.Alpha;
            kept.Add(t with { Rank = ranks[i], Alpha = alpha });
            keptWeights.Add(weights[i]);
        }

        if (kept.Count == 0)
        {
            throw new InvalidOperationException("Rank redistribution left no target with a positive rank.");
        }

        return (kept, keptWeights);
    }
}
