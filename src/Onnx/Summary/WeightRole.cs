namespace Pipelines.Onnx;

/// <summary>The job a 2-D weight does in a transformer, found from the graph's structure (not from names).</summary>
public enum WeightRole
{
    /// <summary>Not recognised as one of the roles below.</summary>
    Other,
    /// <summary>Attention query projection.</summary>
    Query,
    /// <summary>Attention key projection.</summary>
    Key,
    /// <summary>Attention value projection.</summary>
    Value,
    /// <summary>Attention output projection (after the heads are merged).</summary>
    AttentionOutput,
    /// <summary>First feed-forward projection (before the activation).</summary>
    FfnIn,
    /// <summary>Second feed-forward projection (after the activation).</summary>
    FfnOut,
    /// <summary>Pooler dense layer (Gemm followed by Tanh).</summary>
    Pooler,
}

/// <summary>Short names of <see cref="WeightRole"/> as used by the CLI and configs (q, k, v, o, ffn-in, ffn-out, pooler).</summary>
public static class WeightRoles
{
    /// <summary>The short name.</summary>
    public static string ShortName(this WeightRole role) => role switch
    {
        WeightRole.Query => "q",
        WeightRole.Key => "k",
        WeightRole.Value => "v",
        WeightRole.AttentionOutput => "o",
        WeightRole.FfnIn => "ffn-in",
        WeightRole.FfnOut => "ffn-out",
        WeightRole.Pooler => "pooler",
        _ => "other",
    };

    /// <summary>Parses a short name.</summary>
    /// <exception cref="PipelinesException">(<see cref="ErrorKind.Usage"/>) An unknown name; the message lists the valid ones.</exception>
    public static WeightRole ParseShortName(string text) => text?.Trim().ToLowerInvariant() switch
    {
        "q" or "query" => WeightRole.Query,
        "k" or "key" => WeightRole.Key,
        "v" or "value" => WeightRole.Value,
        "o" or "attention-output" => WeightRole.AttentionOutput,
        "ffn-in" => WeightRole.FfnIn,
        "ffn-out" => WeightRole.FfnOut,
        "pooler" => WeightRole.Pooler,
        "other" => WeightRole.Other,
        _ => throw new PipelinesException(ErrorKind.Usage, $"'{text}' is not a weight role; use q, k, v, o, ffn-in, ffn-out, pooler or other."),
    };
}
