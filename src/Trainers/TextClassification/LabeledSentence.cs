namespace Pipelines.Trainers.TextClassification;

/// <summary>One example of a sentence classification set: the text and its class index (0-based).</summary>
/// <param name="Text">The sentence.</param>
/// <param name="Label">The class index.</param>
public sealed record LabeledSentence(string Text, int Label);
