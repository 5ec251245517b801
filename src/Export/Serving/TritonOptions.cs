using System.Text.RegularExpressions;

namespace Pipelines.Export.Serving;

/// <summary>Where Triton runs a model's instances (<c>instance_group.kind</c>).</summary>
public enum TritonInstanceKind
{
    /// <summary><c>KIND_CPU</c>: instances on CPU threads.</summary>
    Cpu,

    /// <summary><c>KIND_GPU</c>: instances on each visible GPU.</summary>
    Gpu,
}

/// <summary>Options of <see cref="TritonModelRepository"/>: the model's name, batching and instances.</summary>
public sealed partial record TritonOptions
{
    /// <summary>Default values, read by the API and the <c>export --triton</c> command alike.</summary>
    public static class Defaults
    {
        /// <summary>Largest batch Triton forms (<c>max_batch_size</c>) when every input and output has a dynamic first dimension.</summary>
        public const int MaxBatchSize = 32;

        /// <summary>Instances of the model (<c>instance_group.count</c>).</summary>
        public const int InstanceCount = 1;

        /// <summary>Where the instances run.</summary>
        public const TritonInstanceKind InstanceKind = TritonInstanceKind.Cpu;

        /// <summary>The version folder the model is written to.</summary>
        public const int Version = 1;
    }

    /// <summary>The model's name: its folder in the repository and <c>name</c> in <c>config.pbtxt</c> (letters, digits, <c>_</c>, <c>-</c>, <c>.</c>).</summary>
    public required string ModelName { get; init; }

    /// <summary>
    /// The <c>max_batch_size</c> asked for. It is used when every input and output has a dynamic first (batch) dimension,
    /// which Triton then strips from <c>dims</c>; otherwise the model cannot be batched by Triton and 0 is written.
    /// 0 turns batching off.
    /// </summary>
    public int MaxBatchSize { get; init; } = Defaults.MaxBatchSize;

    /// <summary>Instances of the model (<c>instance_group [{ count: N }]</c>).</summary>
    public int InstanceCount { get; init; } = Defaults.InstanceCount;

    /// <summary>Where the instances run.</summary>
    public TritonInstanceKind InstanceKind { get; init; } = Defaults.InstanceKind;

    /// <summary>Write <c>dynamic_batching { }</c> (server-side batching of concurrent requests) when the model is batched.</summary>
    public bool DynamicBatching { get; init; } = true;

    /// <summary>The version folder (<c>&lt;repository&gt;/&lt;name&gt;/&lt;version&gt;/model.onnx</c>).</summary>
    public int Version { get; init; } = Defaults.Version;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        if (string.IsNullOrEmpty(ModelName) || !ModelNamePattern().IsMatch(ModelName) || ModelName is "." or "..")
        {
            throw new ArgumentException($"Triton model name '{ModelName}' must be letters, digits, '_', '-' or '.' (it names a folder).", nameof(ModelName));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MaxBatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(InstanceCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Version);
        if (!Enum.IsDefined(InstanceKind))
        {
            throw new ArgumentException($"Unknown instance kind {InstanceKind}.", nameof(InstanceKind));
        }
    }

    /// <summary>A valid model name made from <paramref name="text"/> (e.g. a file name): other characters become <c>_</c>.</summary>
    public static string NameFrom(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string name = NotAllowed().Replace(text, "_").Trim('.');
        return name.Length == 0 ? "model" : name;
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex ModelNamePattern();

    [GeneratedRegex("[^A-Za-z0-9_.-]")]
    private static partial Regex NotAllowed();
}
