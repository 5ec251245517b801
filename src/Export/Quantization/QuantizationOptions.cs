namespace Pipelines.Export.Quantization;

/// <summary>Options of <see cref="ModelQuantizer"/>.</summary>
public sealed record QuantizationOptions
{
    /// <summary>Default values, read by the API and the <c>export</c> command alike.</summary>
    public static class Defaults
    {
        /// <summary>4-bit block size.</summary>
        public const int BlockSize = 32;

        /// <summary>MatMulNBits <c>accuracy_level</c> (4: int8 activations, the fastest CPU kernel).</summary>
        public const int AccuracyLevel = 4;

        /// <summary>How 4-bit block scales are chosen: HQQ, no data needed (never worse than the MSE search in squared error).</summary>
        public const BlockScaleSearch Search = BlockScaleSearch.Hqq;

        /// <summary>
        /// Embedding-table block size: 128 (the 30522×384 word table of MiniLM is 43 % of the int4 bytes at block 32; block 128
        /// saves 0.84 bit per value for a small cosine cost).
        /// </summary>
        public const int EmbeddingBlockSize = 128;

        /// <summary>
        /// <see cref="ExportFormat.Int4"/>: the artifact's size budget as a fraction of the float weights' bytes within which
        /// <see cref="EightBitAllocation"/> gives 8-bit codes to the MatMul weights with the most probe sensitivity per extra
        /// byte; 0 (the default) keeps the role rule of <see cref="EightBit"/>. Measured on MiniLM (quiet, same run, 256 SST-2
        /// dev sentences): budget 0.17 gives mean cosine 0.98759 at 0.169× size but batch-1 latency 0.63× float and an 8 s
        /// longer export; the rule gives 0.98736 at 0.170×, batch-1 0.54× — so the rule stays the default and the budget is
        /// an opt-in (<c>export --int8-budget 0.17</c>).
        /// </summary>
        public const double EightBitSizeBudget = 0;

        /// <summary>
        /// How 4-bit MatMul weights are rounded: GPTQ over the input statistics of synthetic token sequences (no data needed;
        /// text encoders only, other models round to nearest).
        /// </summary>
        public const WeightRounding Rounding = WeightRounding.GptqSynthetic;

        /// <summary>
        /// <see cref="ExportFormat.Int4"/>: 8-bit codes, block 128, for the value projections and feed-forward up-projections
        /// of the last 5 layers (the role rule), or, with a positive <see cref="EightBitWeights.SizeBudget"/>, for the weights
        /// the data-free probe picks within that budget.
        /// </summary>
        public static EightBitWeights EightBit { get; } = new(new HashSet<WeightRole> { WeightRole.Value, WeightRole.FfnIn }, 5) { SizeBudget = EightBitSizeBudget };
    }

    /// <summary>The quantization format.</summary>
    public ExportFormat Format { get; init; } = ExportFormat.Int4;

    /// <summary>4-bit formats: elements per block along the reduction axis (a power of two ≥ 16: 32, 64, 128).</summary>
    public int BlockSize { get; init; } = Defaults.BlockSize;

    /// <summary>
    /// 4-bit formats: elements per block along D of embedding tables <c>E[V, D]</c> (a power of two ≥ 16); 0: <see cref="BlockSize"/>.
    /// Tables are large and forgiving (a row is looked up, not multiplied), so a larger block saves most of the scale bytes.
    /// </summary>
    public int EmbeddingBlockSize { get; init; } = Defaults.EmbeddingBlockSize;

    /// <summary>
    /// The block size of an embedding table with rows of <paramref name="d"/> values: <see cref="EmbeddingBlockSize"/> (or
    /// <see cref="BlockSize"/> when 0), halved while it does not divide D, down to 16.
    /// </summary>
    public int TableBlockSizeFor(long d)
    {
        int b = EmbeddingBlockSize > 0 ? EmbeddingBlockSize : BlockSize;
        while (b > 16 && d % b != 0)
        {
            b /= 2;
        }

        return b;
    }

    /// <summary>4-bit formats: symmetric blocks (implicit zero point 8) instead of stored per-block zero points (the default: lower error on MiniLM for 2.5 % more bytes).</summary>
    public bool Symmetric { get; init; }

    /// <summary>
    /// <c>MatMulNBits</c> <c>accuracy_level</c>: 0 leaves it unset (float compute), 1 fp32, 2 fp16, 3 bf16, 4 int8 activations
    /// (ORT's fast CPU path; small extra error).
    /// </summary>
    public int AccuracyLevel { get; init; } = Defaults.AccuracyLevel;

    /// <summary>
    /// 4-bit formats: how each block's scale and zero point are chosen (same stored format; <see cref="BlockScaleSearch.Mse"/>,
    /// the default, has the least squared reconstruction error).
    /// </summary>
    public BlockScaleSearch Search { get; init; } = Defaults.Search;

    /// <summary>
    /// 4-bit formats: how MatMul weights are rounded; <see cref="WeightRounding.Gptq"/> needs input statistics
    /// (<see cref="Calibration.InputHessians"/>) from sample inputs, <see cref="WeightRounding.GptqSynthetic"/> (the default)
    /// makes its own from <see cref="SyntheticInputs"/>.
    /// </summary>
    public WeightRounding Rounding { get; init; } = Defaults.Rounding;

    /// <summary>
    /// <see cref="WeightRounding.GptqSynthetic"/>: the token sequences whose activations give the input statistics (default:
    /// BERT's uncased WordPiece layout; <see cref="Calibration.SyntheticTokens.FromVocabulary"/> reads another vocab.txt).
    /// </summary>
    public Calibration.SyntheticTokens SyntheticInputs { get; init; } = new();

    /// <summary>
    /// <see cref="ExportFormat.Int4"/>: MatMul weights stored with 8-bit codes (<c>MatMulNBits</c> <c>bits = 8</c>, same blocks) —
    /// mixed precision for the few most sensitive weights; other formats ignore it.
    /// </summary>
    public EightBitWeights EightBit { get; init; } = Defaults.EightBit;

    /// <summary><see cref="BlockScaleSearch.Hqq"/>: the half-quadratic solver's parameters.</summary>
    public HqqParameters Hqq { get; init; } = HqqParameters.Default;

    /// <summary><see cref="WeightRounding.Gptq"/>: the damping λ added as <c>λ·mean(diag H)</c> to the Hessian's diagonal.</summary>
    public double GptqDamping { get; init; } = Gptq.DefaultDamping;

    /// <summary>int8 formats: one weight scale per output channel instead of one per tensor.</summary>
    public bool PerChannel { get; init; } = true;

    /// <summary>Quantize embedding tables (Gather over a 2-D float initializer) too.</summary>
    public bool QuantizeEmbeddings { get; init; } = true;

    /// <summary>Node names left in float.</summary>
    public IReadOnlySet<string> ExcludedNodes { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Initializer (weight) names left in float.</summary>
    public IReadOnlySet<string> ExcludedInitializers { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Keep the linear weights of the first and the last transformer layer in float.</summary>
    public bool KeepFirstAndLastLayersFloat { get; init; }

    /// <summary><see cref="ExportFormat.Int8Qdq"/>: how ranges are calibrated.</summary>
    public CalibrationMethod Calibration { get; init; } = CalibrationMethod.MinMax;

    /// <summary><see cref="CalibrationMethod.Percentile"/>: the upper percentile kept (the lower one is 100 − this).</summary>
    public double Percentile { get; init; } = 99.99;

    /// <summary>Checks the values and throws naming the bad one.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        if (BlockSize < 16 || (BlockSize & (BlockSize - 1)) != 0)
        {
            throw new ArgumentException($"Block size {BlockSize} is not a power of two ≥ 16 (use 32, 64 or 128).", nameof(BlockSize));
        }

        if (EmbeddingBlockSize != 0 && (EmbeddingBlockSize < 16 || (EmbeddingBlockSize & (EmbeddingBlockSize - 1)) != 0))
        {
            throw new ArgumentException($"Embedding block size {EmbeddingBlockSize} is not 0 or a power of two ≥ 16 (use 32, 64 or 128).", nameof(EmbeddingBlockSize));
        }

        if (AccuracyLevel is < 0 or > 4)
        {
            throw new ArgumentException($"Accuracy level {AccuracyLevel} is not in 0..4.", nameof(AccuracyLevel));
        }

        if (GptqDamping is <= 0 or > 1)
        {
            throw new ArgumentException($"GPTQ damping {GptqDamping} is not in (0, 1].", nameof(GptqDamping));
        }

        ArgumentNullException.ThrowIfNull(Hqq);
        ArgumentNullException.ThrowIfNull(SyntheticInputs);
        ArgumentNullException.ThrowIfNull(EightBit);
        EightBit.Validate();

        Hqq.Validate();

        if (Percentile is <= 50 or > 100)
        {
            throw new ArgumentException($"Percentile {Percentile} is not in (50, 100].", nameof(Percentile));
        }
    }
}
