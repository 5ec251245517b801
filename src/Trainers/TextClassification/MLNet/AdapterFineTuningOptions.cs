namespace Pipelines.Trainers.TextClassification.MLNet;

/// <summary>Options of <see cref="AdapterFineTuningEstimator"/>: columns, the encoder files and the fine-tuning options.</summary>
public sealed record AdapterFineTuningOptions
{
    /// <summary>Defaults of the options that have one.</summary>
    public static class Defaults
    {
        /// <summary>Only the tokenizer's fingerprint is saved (the vocabulary comes from the host).</summary>
        public const bool EmbedVocabulary = false;
    }

    /// <summary>The text column (string).</summary>
    public string TextColumnName { get; init; } = "Text";

    /// <summary>The label column: a key, or an integer/float class index in [0, C), or a Boolean (C = 2).</summary>
    public string LabelColumnName { get; init; } = "Label";

    /// <summary>The encoder ONNX file (inputs input_ids, attention_mask[, token_type_ids]; output last_hidden_state).</summary>
    public required string ModelPath { get; init; }

    /// <summary>The encoder's WordPiece <c>vocab.txt</c>.</summary>
    public required string VocabPath { get; init; }

    /// <summary>Method, rank, α, targets, schedule, epochs, batch size, max length, seed, device, checkpoint folder.</summary>
    public FineTuneOptions FineTune { get; init; } = new();

    /// <summary>
    /// Gets whether the saved model carries the vocabulary itself (gzip, in the tokenizer's constant column, about a third
    /// of <c>vocab.txt</c>'s size) instead of only its fingerprint, so a scoring app loads it with no vocabulary file,
    /// registration or model package.
    /// </summary>
    public bool EmbedVocabulary { get; init; } = Defaults.EmbedVocabulary;

    /// <summary>Receives a report after every epoch of <c>Fit</c> (the record <c>GineTrainerOptions.Progress</c> takes too), or null.</summary>
    public IProgress<EpochReport>? Progress { get; init; }
}
