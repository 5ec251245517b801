namespace Pipelines.Transforms.LowRank;

/// <summary>
/// Settings of <see cref="LowRankInitializer"/>: the method, rank r and alpha α (scale s = α/r, or α/√r with rsLoRA), the targets, and the
/// randomized-SVD and EVA knobs. Validated by <see cref="Validate"/> before any work.
/// </summary>
public sealed record LowRankOptions
{
    /// <summary>Default values, read by the API and the <c>lora init</c> command alike.</summary>
    public static class Defaults
    {
        /// <summary>The method: PiSSA with the randomized SVD (peft's <c>pissa_niter_4</c>), near the exact SVD's error at a fraction of its time.</summary>
        public const LowRankMethod Method = LowRankMethod.PissaFast;

        /// <summary>Rank r.</summary>
        public const int Rank = 16;

        /// <summary>Power iterations (peft's <c>pissa_niter_4</c>).</summary>
        public const int PowerIterations = 4;

        /// <summary>
        /// Oversampling p of the randomized SVD (peft uses 0): ℓ = r + 8 sketch columns. Any p from 1 to 8 costs the same
        /// (the GEMM's narrowest tile is 8 columns); at p = 0 the mean error over MiniLM's 36 MatMuls equals torch's
        /// svd_lowrank within the seed-to-seed spread (r = 64: 0.66254 vs 0.66246), at p = 8 it is clearly below
        /// (0.65951; r = 16: 0.87171 vs 0.87483), for about 1.5× the GEMM time at r = 16 and 1.13× at r = 64.
        /// </summary>
        public const int Oversampling = 8;

        /// <summary>
        /// The randomized SVD's range finder: subspace iteration (torch.svd_lowrank's). Block Krylov
        /// (<c>--range-finder krylov</c>) keeps every block: at r = 16 with p = 0 and 3 steps it is below the default's
        /// error on MiniLM with 8 instead of 10 products on 16 instead of 24 columns, but its Rayleigh–Ritz step works on a
        /// (q + 1)·(r + p)-dimensional space, which grows past the products' saving at large ranks.
        /// </summary>
        public const Pipelines.Numerics.LinearAlgebra.RangeFinder RangeFinder = Pipelines.Numerics.LinearAlgebra.RangeFinder.SubspaceIteration;

        /// <summary>DoRA off: plain LoRA adapters.</summary>
        public const bool Dora = false;
    }

    /// <summary>The initialisation method.</summary>
    public LowRankMethod Method { get; init; } = Defaults.Method;

    /// <summary>Rank r of every adapter unless overridden.</summary>
    public int Rank { get; init; } = Defaults.Rank;

    /// <summary>α; <see langword="null"/> means α = r (s = 1, as the PiSSA paper).</summary>
    public float? Alpha { get; init; }

    /// <summary>Which weights get adapters.</summary>
    public TargetSelector Targets { get; init; } = TargetSelector.AllLinear;

    /// <summary>Per-target rank/alpha overrides, matched in order against module names.</summary>
    public IReadOnlyList<TargetOverride> Overrides { get; init; } = [];

    /// <summary>Power iterations of <see cref="LowRankMethod.PissaFast"/> (the cap in adaptive mode).</summary>
    public int PowerIterations { get; init; } = Defaults.PowerIterations;

    /// <summary>Oversampling p of <see cref="LowRankMethod.PissaFast"/>.</summary>
    public int Oversampling { get; init; } = Defaults.Oversampling;

    /// <summary>The range finder of <see cref="LowRankMethod.PissaFast"/>'s randomized SVD (block Krylov has no adaptive mode).</summary>
    public Pipelines.Numerics.LinearAlgebra.RangeFinder RangeFinder { get; init; } = Defaults.RangeFinder;

    /// <summary>Adaptive randomized SVD: stop power iterations once the residual improves by less than this fraction.</summary>
    public double? Tolerance { get; init; }

    /// <summary>Seed of every random choice (Gaussian sketches, Kaiming-uniform A).</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// Keep the base weight W and carry the frozen −s·A₀·B₀ term instead of writing W_res, so several adapters can share
    /// one base (peft #2184). Always on for <see cref="LowRankMethod.Lora"/>, <see cref="LowRankMethod.Eva"/> and <see cref="LowRankMethod.Orthogonal"/>, which
    /// do not change W.
    /// </summary>
    public bool BaseUntouched { get; init; }

    /// <summary>Report the optimal rank-r error √(Σ_{i&gt;r}σᵢ²)/‖W‖ for every target (costs an exact SVD for fast methods).</summary>
    public bool ReportOptimalError { get; init; }

    /// <summary>Probes for the randomized SVD's spectral error bound (0 = none).</summary>
    public int BoundProbes { get; init; } = 10;

    /// <summary>Threads across targets (0 = one per core).</summary>
    public int MaxThreads { get; init; }

    /// <summary>
    /// SHA-256 (hex) of the base model file, recorded as the adapters' <c>base_model_sha256</c> when the caller has the
    /// file (<c>lora init</c> passes the hash its model folder records anyway, so <c>sha256sum model.onnx</c> reproduces
    /// it); <see langword="null"/>: the initialiser hashes the model's bytes as Pipelines serializes them.
    /// </summary>
    public string? BaseModelSha256 { get; init; }

    /// <summary>EVA calibration settings (required when <see cref="Method"/> is <see cref="LowRankMethod.Eva"/>).</summary>
    public EvaOptions? Eva { get; init; }

    /// <summary>
    /// rsLoRA scaling (Kalajdzievski 2023, peft's <c>use_rslora</c>): s = α/√r instead of α/r, so the update's magnitude
    /// does not shrink as the rank grows. Written to <c>adapter_config.json</c> as <c>use_rslora</c>.
    /// </summary>
    public bool RsLora { get; init; }

    /// <summary>
    /// DoRA (Liu et al. 2024, peft's <c>use_dora</c>): each adapted weight becomes W' = m ⊙ V / ‖V‖_c with
    /// V = W_res + s·A·B (in×out), ‖V‖_c the L2 norm of each output column over the input dimension and m a trainable
    /// magnitude vector [out] initialised to ‖V‖_c, so the output is unchanged at initialisation. Combines with every
    /// initialisation method (the initial V is whatever the method leaves: W for LoRA/EVA/orthogonal, W_res + s·A₀·B₀ = W
    /// for the PiSSA family, Q + s·A·B for LoftQ). As in peft, the norm is treated as a constant during training (no
    /// gradient flows through it, DoRA §4.3). Written to <c>adapter_config.json</c> as <c>use_dora</c>.
    /// </summary>
    public bool Dora { get; init; } = Defaults.Dora;

    /// <summary>CorDA calibration settings (required when <see cref="Method"/> is <see cref="LowRankMethod.CordaKpm"/> or <see cref="LowRankMethod.CordaIpm"/>).</summary>
    public CordaOptions? Corda { get; init; }

    /// <summary>
    /// The quantizer in the loop and its alternations T: required for <see cref="LowRankMethod.LoftQ"/> and with
    /// <see cref="QuantizeBase"/>, where <see cref="LowRankMethod.Pissa"/> becomes QPiSSA (PiSSA paper, Alg. 1).
    /// </summary>
    public LoftQOptions? LoftQ { get; init; }

    /// <summary>
    /// The frozen base will be stored quantized by <see cref="LoftQ"/>'s quantizer (QLoRA, QPiSSA, LoftQ over a 4-bit base):
    /// the written base weight is the float value the caller quantizes — W for <see cref="LowRankMethod.Lora"/> (QLoRA),
    /// W_res of the QPiSSA loop for <see cref="LowRankMethod.Pissa"/>, the input of LoftQ's last quantization — so the
    /// caller's codes equal the ones the initialisation saw. Needs <see cref="LoftQ"/> and not <see cref="BaseUntouched"/>.
    /// </summary>
    public bool QuantizeBase { get; init; }

    /// <summary>
    /// Per-layer rank allocation (EVA's redistribution by the spectrum of W, <see cref="RankRedistribution"/>); null keeps
    /// every target at its requested rank. Not for <see cref="LowRankMethod.Eva"/> (which always redistributes, by its
    /// activations) nor <see cref="LowRankMethod.Orthogonal"/> (which needs even ranks).
    /// </summary>
    public RankRedistribution? Redistribution { get; init; }

    /// <summary>The scale s = α/r for a target of rank <paramref name="rank"/> and alpha <paramref name="alpha"/>.</summary>
    public static float Scale(int rank, float alpha) => alpha / rank;

    /// <summary>The scale s = α/r, or α/√r when <paramref name="rsLora"/> is set.</summary>
    /// <param name="rank">Rank r.</param>
    /// <param name="alpha">α.</param>
    /// <param name="rsLora">rsLoRA scaling.</param>
    public static float Scale(int rank, float alpha, bool rsLora) => rsLora ? alpha / MathF.Sqrt(rank) : alpha / rank;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Rank);
        if (Alpha is { } a && !(a > 0 && float.IsFinite(a)))
        {
            throw new ArgumentOutOfRangeException(nameof(Alpha), a, "Alpha must be a positive finite number.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(PowerIterations);
        ArgumentOutOfRangeException.ThrowIfNegative(Oversampling);
        ArgumentOutOfRangeException.ThrowIfNegative(BoundProbes);
        ArgumentNullException.ThrowIfNull(Targets);
        ArgumentNullException.ThrowIfNull(Overrides);
        foreach (TargetOverride o in Overrides)
        {
            if (o.Rank is <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(Overrides), o.Rank, $"Override '{o.Pattern}' has a non-positive rank.");
            }

            if (o.Alpha is { } oa && !(oa > 0))
            {
                throw new ArgumentOutOfRangeException(nameof(Overrides), oa, $"Override '{o.Pattern}' has a non-positive alpha.");
            }
        }

        if (Method == LowRankMethod.Eva && Eva is null)
        {
            throw new ArgumentException("Method Eva needs EvaOptions with calibration inputs.", nameof(Eva));
        }

        if (Method is LowRankMethod.CordaKpm or LowRankMethod.CordaIpm && (Corda is null || Corda.Batches.Count == 0 || !(Corda.Damping > 0)))
        {
            throw new ArgumentException($"Method {Method} needs CordaOptions with at least one calibration batch and a positive damping.", nameof(Corda));
        }

        if (Method == LowRankMethod.LoftQ && (LoftQ is null || LoftQ.RoundTrip is null || LoftQ.Iterations < 1 || BaseUntouched))
        {
            throw new ArgumentException("Method LoftQ needs LoftQOptions with a quantizer and at least one iteration, and replaces the base (no BaseUntouched).", nameof(LoftQ));
        }

        if (QuantizeBase && (LoftQ is null || LoftQ.RoundTrip is null || LoftQ.Iterations < 1 || BaseUntouched))
        {
            throw new ArgumentException("A quantized base needs LoftQOptions with the quantizer and at least one iteration, and replaces the base (no BaseUntouched).", nameof(QuantizeBase));
        }

        if (Redistribution is { } redistribution)
        {
            redistribution.Validate();
            if (Method is LowRankMethod.Eva or LowRankMethod.Orthogonal)
            {
                throw new ArgumentException(
                    Method == LowRankMethod.Eva
                        ? "EVA always redistributes ranks by the spectrum of its activations; set EvaOptions.Rho instead of Redistribution."
                        : "Orthogonal init needs even ranks, which rank redistribution does not keep; leave Redistribution unset.",
                    nameof(Redistribution));
            }
        }

        if (Method == LowRankMethod.Orthogonal && (Rank % 2 != 0 || Overrides.Any(o => o.Rank is { } r && r % 2 != 0)))
        {
            throw new ArgumentException($"Orthogonal init splits the rank into two halves; rank {Rank} (and every override) must be even.", nameof(Rank));
        }
    }
}
