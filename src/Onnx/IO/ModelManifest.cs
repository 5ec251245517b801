using System.Text.Json.Serialization;

namespace Pipelines.Onnx;

/// <summary>
/// <c>pipelines.json</c>, the versioned manifest of a <see cref="ModelFolder"/> (format page:
/// <c>docs/formats/model-folder.md</c>): what produced the folder and with which options, the base model it came
/// from, the adapter method, ranks, alphas and targets, the tokenizer, the metrics, and the SHA-256 of every file of the
/// set, so a reader refuses a folder whose files were replaced piecemeal.
/// </summary>
public sealed record ModelManifest
{
    /// <summary>The format version this build writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>Gets the format version of the file.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>Gets the producing command or use case, e.g. <c>lora init</c>, <c>lora train</c>, <c>export</c>.</summary>
    public required string Producer { get; init; }

    /// <summary>Gets the producer's options as text (option name without dashes → value), for provenance.</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets the SHA-256 (lower-case hex) of the original pretrained model file the chain started from.</summary>
    public string? BaseModelSha256 { get; init; }

    /// <summary>Gets the adapters of the model, when it carries (or was trained with) low-rank adapters.</summary>
    public AdapterManifest? Adapters { get; init; }

    /// <summary>Gets the tokenizer the model's inputs were made with, when it reads text.</summary>
    public TokenizerManifest? Tokenizer { get; init; }

    /// <summary>Gets metrics measured by the producer (name → value).</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();

    /// <summary>Gets the files of the set (path relative to the folder → SHA-256, lower-case hex).</summary>
    public IReadOnlyDictionary<string, string> Files { get; init; } = new Dictionary<string, string>();
}

/// <summary>The adapters a model folder carries or was trained with.</summary>
public sealed record AdapterManifest
{
    /// <summary>Gets the initialisation method in the CLI's spelling (<c>pissa</c>, <c>pissa-fast</c>, <c>lora</c>, …).</summary>
    public required string Method { get; init; }

    /// <summary>Gets the rank r of every adapter.</summary>
    public required int Rank { get; init; }

    /// <summary>Gets α (scale s = α/r).</summary>
    public required float Alpha { get; init; }

    /// <summary>Gets the adapted modules (e.g. <c>encoder.layer.0.attention.self.query</c>).</summary>
    public IReadOnlyList<string> Targets { get; init; } = [];
}

/// <summary>The WordPiece tokenizer a text model reads with.</summary>
public sealed record TokenizerManifest
{
    /// <summary>Gets the vocabulary file, relative to the folder (normally <c>vocab.txt</c>).</summary>
    public required string Vocabulary { get; init; }

    /// <summary>Gets the vocabulary's SHA-256 (lower-case hex).</summary>
    public required string VocabularySha256 { get; init; }

    /// <summary>Gets whether text is lower-cased before tokenisation.</summary>
    public bool LowerCase { get; init; } = true;

    /// <summary>Gets the maximum tokens per row the model was trained with, when known.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MaxLength { get; init; }
}
