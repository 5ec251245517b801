using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipelines.Onnx.Adapters;

/// <summary>
/// How one adapter sits in an adapted ONNX graph; the list is stored as JSON under the model metadata key
/// <see cref="AdapterGraphEntry.MetadataKey"/>, and the trainable initializer names under
/// <see cref="AdapterGraphEntry.TrainableKey"/> (a JSON array), which the training engine reads.
/// </summary>
/// <remarks>
/// Naming convention (deterministic, derived from the module name): <c>&lt;module&gt;.lora_A</c> (in×r, trainable),
/// <c>&lt;module&gt;.lora_B</c> (r×out, trainable), <c>&lt;module&gt;.lora_scale</c> (scalar s, frozen), and in
/// base-untouched mode <c>&lt;module&gt;.lora_A0</c> / <c>&lt;module&gt;.lora_B0</c> (frozen copies of the initial factors).
/// The op computes <c>y = x·W_res + s·((x·A)·B − (x·A₀)·B₀)</c>, the last term only in base-untouched mode.
/// DoRA adapters (Liu et al. 2024) add <c>&lt;module&gt;.lora_magnitude</c> (m, [out], trainable) and compute
/// <c>y = (m / ‖V‖_c) ⊙ (x·W_res + s·(…)) (+ bias)</c> with <c>V = W_res + s·(A·B − A₀·B₀)</c> (in×out) and
/// <c>‖V‖_c</c> the L2 norm of each output column over the input dimension; the norm value is listed under
/// <see cref="Autodiff.GradientBuilder.StopGradientKey"/> so that, as in peft, no gradient flows through it.
/// </remarks>
public sealed record AdapterGraphEntry
{
    /// <summary>Metadata key of the JSON list of entries.</summary>
    public const string MetadataKey = "pipelines.lora.adapters";

    /// <summary>Metadata key of the JSON array of trainable initializer names.</summary>
    public const string TrainableKey = "pipelines.trainable_initializers";

    private static readonly JsonSerializerOptions s_json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The module name.</summary>
    public required string Module { get; init; }

    /// <summary>The adapted MatMul/Gemm node.</summary>
    public required string Node { get; init; }

    /// <summary>The base (or residual) weight initializer the node consumes.</summary>
    public required string BaseInitializer { get; init; }

    /// <summary>The node's original output value (now produced by the adapter's Add).</summary>
    public required string Output { get; init; }

    /// <summary>The node's output before the adapter term is added.</summary>
    public required string BaseOutput { get; init; }

    /// <summary>The A initializer (in×r).</summary>
    public required string LoraA { get; init; }

    /// <summary>The B initializer (r×out).</summary>
    public required string LoraB { get; init; }

    /// <summary>The frozen A₀ (base-untouched mode), else null.</summary>
    public string? LoraA0 { get; init; }

    /// <summary>The frozen B₀ (base-untouched mode), else null.</summary>
    public string? LoraB0 { get; init; }

    /// <summary>The scalar s initializer.</summary>
    public required string ScaleInitializer { get; init; }

    /// <summary>DoRA's magnitude vector m ([out], trainable), or null for a plain LoRA adapter.</summary>
    public string? Magnitude { get; init; }

    /// <summary>Frozen constants added for the adapter beyond the named ones (e.g. DoRA's reduction axes), removed by a merge.</summary>
    public IReadOnlyList<string>? AddedInitializers { get; init; }

    /// <summary>Nodes added for the adapter term.</summary>
    public required IReadOnlyList<string> AddedNodes { get; init; }

    /// <summary>Rank r.</summary>
    public required int Rank { get; init; }

    /// <summary>α.</summary>
    public required float Alpha { get; init; }

    /// <summary>The trainable initializers of this adapter: A, B and, for DoRA, m.</summary>
    public IReadOnlyList<string> TrainableInitializers() => Magnitude is null ? [LoraA, LoraB] : [LoraA, LoraB, Magnitude];

    /// <summary>Serialises entries for the metadata.</summary>
    public static string ToJson(IReadOnlyList<AdapterGraphEntry> entries) => JsonSerializer.Serialize(entries, s_json);

    /// <summary>Reads the entries of an adapted model; empty when it has none.</summary>
    /// <exception cref="DataFormatException">The metadata is present but not valid JSON for this type.</exception>
    public static IReadOnlyList<AdapterGraphEntry> Read(Pipelines.Onnx.OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        string? json = model.Metadata.FirstOrDefault(kv => kv.Key == MetadataKey).Value;
        if (json is null)
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize<List<AdapterGraphEntry>>(json, s_json) ?? [];
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"Model metadata '{MetadataKey}' is not a valid adapter list: {e.Message}", e);
        }
    }
}
