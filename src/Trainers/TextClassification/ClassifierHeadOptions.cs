namespace Pipelines.Trainers.TextClassification;

/// <summary>Options of the pooling + linear head appended to an encoder graph.</summary>
public sealed record ClassifierHeadOptions
{
    /// <summary>Number of classes C of the head <c>logits = pooled · W_head + b_head</c>, <c>W_head ∈ R^{Hidden×C}</c>.</summary>
    public int ClassCount { get; init; } = 2;

    /// <summary>The pooling.</summary>
    public PoolingMode Pooling { get; init; } = PoolingMode.Mean;

    /// <summary>The encoder output holding token states <c>[Batch, Sequence, Hidden]</c>.</summary>
    public string HiddenStateOutput { get; init; } = "last_hidden_state";

    /// <summary>The encoder input holding the attention mask <c>[Batch, Sequence]</c> (int64).</summary>
    public string AttentionMaskInput { get; init; } = "attention_mask";

    /// <summary>Hidden size; read from the output's declared shape when null.</summary>
    public int? HiddenSize { get; init; }

    /// <summary>Standard deviation of the Gaussian head initialisation (BERT's 0.02).</summary>
    public float InitStd { get; init; } = 0.02f;

    /// <summary>Seed of the head initialisation.</summary>
    public int Seed { get; init; }
}
