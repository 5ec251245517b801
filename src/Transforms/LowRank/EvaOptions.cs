using Pipelines.Onnx.Text;

namespace Pipelines.Transforms.LowRank;

/// <summary>One calibration batch: the model's runtime inputs as int64 or float tensors.</summary>
public sealed class CalibrationBatch
{
    /// <summary>int64 inputs (e.g. token ids, attention mask): name → (data, shape).</summary>
    public Dictionary<string, (long[] Data, long[] Shape)> Int64Inputs { get; } = new(StringComparer.Ordinal);

    /// <summary>float inputs: name → (data, shape).</summary>
    public Dictionary<string, (float[] Data, long[] Shape)> FloatInputs { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Optional name of an int64 input whose zero entries mark padding positions (e.g. <c>attention_mask</c>); those
    /// rows of the activations are dropped, as peft's EVA does.
    /// </summary>
    public string? MaskInput { get; init; }

    /// <summary>
    /// The BERT tensors of <paramref name="tokens"/> (<c>input_ids</c>, <c>attention_mask</c>, <c>token_type_ids</c>,
    /// int64 <c>[batch, sequence]</c>), with <c>attention_mask</c> as <see cref="MaskInput"/> when it is kept.
    /// </summary>
    /// <param name="tokens">The encoded sentences.</param>
    /// <param name="declared">When given, only the inputs the model declares are kept.</param>
    public static CalibrationBatch FromTokens(EncodedBatch tokens, IReadOnlySet<string>? declared = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        bool masked = declared?.Contains(EncodedBatch.AttentionMaskName) ?? true;
        var batch = new CalibrationBatch { MaskInput = masked ? EncodedBatch.AttentionMaskName : null };
        foreach ((string name, long[] data) in tokens.Tensors.Where(t => declared?.Contains(t.Name) ?? true))
        {
            batch.Int64Inputs[name] = (data, tokens.Shape);
        }

        return batch;
    }
}

/// <summary>EVA settings (Paischer et al. 2024; peft <c>EvaConfig</c>).</summary>
public sealed record EvaOptions
{
    /// <summary>The calibration batches, cycled until every target converges or <see cref="MaxPasses"/> is reached.</summary>
    public required IReadOnlyList<CalibrationBatch> Batches { get; init; }

    /// <summary>ρ: components kept per target = round(ρ·r), the pool for rank redistribution (peft default 2).</summary>
    public double Rho { get; init; } = 2.0;

    /// <summary>τ: a component has converged when the cosine similarity of consecutive estimates reaches this (0.99).</summary>
    public double Tau { get; init; } = 0.99;

    /// <summary>Most passes over the batches.</summary>
    public int MaxPasses { get; init; } = 4;

    /// <summary>Scale α with the new rank (α_new = α·r_new/r) so s stays constant (peft <c>adjust_scaling_factors</c>).</summary>
    public bool AdjustScaling { get; init; } = true;
}
