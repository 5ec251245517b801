using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipelines.Transforms.LowRank;

/// <summary>
/// The adapter config in peft's vocabulary (<c>adapter_config.json</c>): <c>r</c>, <c>lora_alpha</c>,
/// <c>target_modules</c>, <c>init_lora_weights</c>, <c>rank_pattern</c>, <c>alpha_pattern</c>, plus a
/// <c>pipelines</c> block with the base-model hash and the exact settings used.
/// </summary>
public sealed record AdapterConfig
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Always <c>LORA</c>.</summary>
    [JsonPropertyName("peft_type")]
    public string PeftType { get; init; } = "LORA";

    /// <summary>Default rank r.</summary>
    [JsonPropertyName("r")]
    public required int R { get; init; }

    /// <summary>Default α.</summary>
    [JsonPropertyName("lora_alpha")]
    public required float LoraAlpha { get; init; }

    /// <summary>The adapted module names.</summary>
    [JsonPropertyName("target_modules")]
    public required IReadOnlyList<string> TargetModules { get; init; }

    /// <summary>peft's init tag: <c>true</c> (LoRA), <c>pissa</c>, <c>pissa_niter_K</c>, <c>milora</c>, <c>olora</c>, <c>eva</c>, <c>orthogonal</c>, <c>corda</c>, <c>loftq</c>.</summary>
    [JsonPropertyName("init_lora_weights")]
    public required JsonElement InitLoraWeights { get; init; }

    /// <summary>Per-module ranks that differ from r.</summary>
    [JsonPropertyName("rank_pattern")]
    public IReadOnlyDictionary<string, int> RankPattern { get; init; } = new Dictionary<string, int>();

    /// <summary>Per-module alphas that differ from α.</summary>
    [JsonPropertyName("alpha_pattern")]
    public IReadOnlyDictionary<string, float> AlphaPattern { get; init; } = new Dictionary<string, float>();

    /// <summary>Always false here: saved tensors use nn.Linear layout (lora_A r×in, lora_B out×r).</summary>
    [JsonPropertyName("fan_in_fan_out")]
    public bool FanInFanOut { get; init; }

    /// <summary>Always <c>none</c>.</summary>
    [JsonPropertyName("bias")]
    public string Bias { get; init; } = "none";

    /// <summary>0 (PiSSA requires no dropout at initialisation).</summary>
    [JsonPropertyName("lora_dropout")]
    public float LoraDropout { get; init; }

    /// <summary>False: s = α/r; true (rsLoRA): s = α/√r.</summary>
    [JsonPropertyName("use_rslora")]
    public bool UseRsLora { get; init; }

    /// <summary>True for DoRA adapters (peft's <c>use_dora</c>): a magnitude vector per module, <c>lora_magnitude_vector</c> [out].</summary>
    [JsonPropertyName("use_dora")]
    public bool UseDora { get; init; }

    /// <summary>peft's <c>corda_config</c> for CorDA adapters (<c>{"corda_method": "kpm" | "ipm"}</c>), else absent.</summary>
    [JsonPropertyName("corda_config")]
    public IReadOnlyDictionary<string, string>? CordaConfig { get; init; }

    /// <summary>peft's <c>loftq_config</c> for LoftQ adapters (<c>loftq_bits</c>, <c>loftq_iter</c>), else absent.</summary>
    [JsonPropertyName("loftq_config")]
    public IReadOnlyDictionary<string, int>? LoftqConfig { get; init; }

    /// <summary>Settings and provenance beyond peft's fields.</summary>
    [JsonPropertyName("pipelines")]
    public required PipelinesAdapterInfo Pipelines { get; init; }

    /// <summary>The config for an initialisation run.</summary>
    public static AdapterConfig Create(LowRankOptions options, IReadOnlyList<LowRankTarget> targets, string baseModelSha256)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(targets);
        int r = options.Rank;
        float alpha = options.Alpha ?? r;
        return new AdapterConfig
        {
            R = r,
            LoraAlpha = alpha,
            TargetModules = targets.Select(t => t.Module).ToList(),
            InitLoraWeights = InitTag(options),
            RankPattern = targets.Where(t => t.Rank != r).ToDictionary(t => t.Module, t => t.Rank),
            AlphaPattern = targets.Where(t => t.Alpha != alpha).ToDictionary(t => t.Module, t => t.Alpha),
            UseRsLora = options.RsLora,
            UseDora = options.Dora,
            Pipelines = new PipelinesAdapterInfo
            {
                Method = options.Method.ToString(),
                BaseModelSha256 = baseModelSha256,
                Seed = options.Seed,
                BaseUntouched = options.BaseUntouched || options.Method is LowRankMethod.Lora or LowRankMethod.Eva or LowRankMethod.Orthogonal,
                PowerIterations = options.Method == LowRankMethod.PissaFast ? options.PowerIterations : null,
                Oversampling = options.Method == LowRankMethod.PissaFast ? options.Oversampling : null,
                RangeFinder = options.Method == LowRankMethod.PissaFast && options.RangeFinder != LowRankOptions.Defaults.RangeFinder ? options.RangeFinder.ToString() : null,
                RedistributionRho = options.Redistribution?.Rho,
            },
            CordaConfig = options.Method switch
            {
                LowRankMethod.CordaKpm => new Dictionary<string, string> { ["corda_method"] = "kpm" },
                LowRankMethod.CordaIpm => new Dictionary<string, string> { ["corda_method"] = "ipm" },
                _ => null,
            },
            LoftqConfig = options.Method == LowRankMethod.LoftQ && options.LoftQ is { } l
                ? new Dictionary<string, int> { ["loftq_bits"] = l.Bits, ["loftq_iter"] = l.Iterations }
                : null,
        };
    }

    /// <summary>peft's <c>init_lora_weights</c> value for the options.</summary>
    public static JsonElement InitTag(LowRankOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string json = options.Method switch
        {
            LowRankMethod.Lora => "true",
            LowRankMethod.Pissa => "\"pissa\"",
            LowRankMethod.PissaFast => $"\"pissa_niter_{options.PowerIterations}\"",
            LowRankMethod.MiLora => "\"milora\"",
            LowRankMethod.OLora => "\"olora\"",
            LowRankMethod.Orthogonal => "\"orthogonal\"",
            LowRankMethod.CordaKpm or LowRankMethod.CordaIpm => "\"corda\"",
            LowRankMethod.LoftQ => "\"loftq\"",
            _ => "\"eva\"",
        };
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    /// <summary>The config as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    /// <summary>Parses a config.</summary>
    /// <exception cref="DataFormatException">Not a valid config; the message says why.</exception>
    public static AdapterConfig FromJson(string json)
    {
        try
        {
            AdapterConfig config = JsonSerializer.Deserialize<AdapterConfig>(json, s_json) ?? throw new DataFormatException("The adapter config is empty.");
            return config.Validated();
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"Not a valid adapter config: {e.Message}", e);
        }
    }

    // JSON null passes the serializer's required-property check; refuse nulls and non-positive ranks here so that
    // binding never meets them.
    private AdapterConfig Validated()
    {
        string? problem =
            TargetModules is null || TargetModules.Any(t => t is null) ? "field 'target_modules' is null or holds null" :
            RankPattern is null || AlphaPattern is null ? "field 'rank_pattern' or 'alpha_pattern' is null" :
            R <= 0 || RankPattern.Values.Any(r => r <= 0) ? $"field 'r' or 'rank_pattern' holds a rank ≤ 0" :
            Pipelines is null || Pipelines.Method is null || Pipelines.BaseModelSha256 is null ? "field 'pipelines' (method, base_model_sha256) is missing or null" :
            PeftType is null || Bias is null ? "field 'peft_type' or 'bias' is null" :
            null;
        return problem is null ? this : throw new DataFormatException($"Not a valid adapter config: {problem}.");
    }

    /// <summary>The rank of <paramref name="module"/>.</summary>
    public int RankOf(string module) => RankPattern.TryGetValue(module, out int r) ? r : R;

    /// <summary>The alpha of <paramref name="module"/>.</summary>
    public float AlphaOf(string module) => AlphaPattern.TryGetValue(module, out float a) ? a : LoraAlpha;
}

/// <summary>Provenance stored in the <c>pipelines</c> block of <see cref="AdapterConfig"/>.</summary>
public sealed record PipelinesAdapterInfo
{
    /// <summary>The <see cref="LowRankMethod"/> name.</summary>
    [JsonPropertyName("method")]
    public required string Method { get; init; }

    /// <summary>SHA-256 of the base model's bytes.</summary>
    [JsonPropertyName("base_model_sha256")]
    public required string BaseModelSha256 { get; init; }

    /// <summary>The seed.</summary>
    [JsonPropertyName("seed")]
    public ulong Seed { get; init; }

    /// <summary>True when the base weights were left as they were (no residual written).</summary>
    [JsonPropertyName("base_untouched")]
    public bool BaseUntouched { get; init; }

    /// <summary>Power iterations (PiSSA-fast).</summary>
    [JsonPropertyName("power_iterations")]
    public int? PowerIterations { get; init; }

    /// <summary>Oversampling (PiSSA-fast).</summary>
    [JsonPropertyName("oversampling")]
    public int? Oversampling { get; init; }

    /// <summary>
    /// The randomized SVD's range finder (PiSSA-fast) when it is not the default subspace iteration (<c>BlockKrylov</c>):
    /// peft's <c>init_lora_weights</c> tag names only the power iterations, so without this field a Krylov run would read
    /// as a subspace-iteration one.
    /// </summary>
    [JsonPropertyName("range_finder")]
    public string? RangeFinder { get; init; }

    /// <summary>ρ of the per-layer rank redistribution by the spectrum of W (<see cref="RankRedistribution"/>); null when ranks were not moved.</summary>
    [JsonPropertyName("redistribution_rho")]
    public double? RedistributionRho { get; init; }

    /// <summary>Set on converted adapters: how they were produced (e.g. <c>pissa_to_lora_rank_2r</c>).</summary>
    [JsonPropertyName("conversion")]
    public string? Conversion { get; init; }

    /// <summary>Set on rank-r recompressed adapters: ‖ΔW − ΔW_r‖_F / ‖ΔW‖_F summed over targets in quadrature.</summary>
    [JsonPropertyName("conversion_rel_error")]
    public double? ConversionRelError { get; init; }
}
