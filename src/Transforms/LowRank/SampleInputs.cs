using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;
using Pipelines.Onnx.Text;

namespace Pipelines.Transforms.LowRank;

/// <summary>Inputs for checking an adapted model against its original: tokenized sentences, or seeded synthetic tensors.</summary>
public static class SampleInputs
{
    /// <summary>A few real English sentences (used when a WordPiece vocabulary is at hand).</summary>
    public static IReadOnlyList<string> Sentences { get; } =
    [
        "The film is a charming, funny and moving portrait of a small town.",
        "I would not recommend this restaurant to anyone who values their time.",
        "Low-rank adapters let a large model be fine-tuned with a few parameters.",
        "The quarterly report shows revenue growth in every region except Europe.",
    ];

    /// <summary>
    /// Tokenizes <paramref name="sentences"/> with a BERT WordPiece vocabulary (lower-cased, never truncated) into the
    /// model's int64 <c>[batch, sequence]</c> inputs: <c>input_ids</c>, <c>attention_mask</c> and <c>token_type_ids</c>
    /// (those the model declares), padded to the longest.
    /// </summary>
    /// <exception cref="ArgumentException">The model has no <c>input_ids</c> input, or there are no sentences.</exception>
    public static CalibrationBatch FromSentences(OnnxModel model, string vocabPath, IReadOnlyList<string> sentences) =>
        FromSentences(model, WordPieceEncoder.FromVocab(vocabPath, new WordPieceEncoderOptions { MaxLength = null }), sentences);

    /// <summary>
    /// Tokenizes <paramref name="sentences"/> with <paramref name="encoder"/> into the model's int64 <c>[batch, sequence]</c>
    /// inputs: <c>input_ids</c>, <c>attention_mask</c> and <c>token_type_ids</c> (those the model declares), padded to the longest.
    /// </summary>
    /// <exception cref="ArgumentException">The model has no <c>input_ids</c> input, or there are no sentences.</exception>
    public static CalibrationBatch FromSentences(OnnxModel model, WordPieceEncoder encoder, IReadOnlyList<string> sentences)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(sentences);
        var names = model.Graph.RuntimeInputs().Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        if (!names.Contains(EncodedBatch.InputIdsName))
        {
            throw new ArgumentException($"The model has no 'input_ids' input (it has {string.Join(", ", names)}); tokenized samples need one.", nameof(model));
        }

        return CalibrationBatch.FromTokens(encoder.EncodeBatch(sentences), names);
    }

    /// <summary>
    /// Synthetic inputs from the declared input types: symbolic dimensions become <paramref name="batch"/> (first) or
    /// <paramref name="sequence"/>; float inputs are N(0, 1); int64 inputs named like a mask are 1, others ids in [1, 100).
    /// </summary>
    /// <exception cref="NotSupportedException">An input is neither float nor int64, or has no declared type.</exception>
    public static CalibrationBatch Synthetic(OnnxModel model, int batch = 2, int sequence = 16, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        var rng = new GaussianSampler(seed);
        var result = new CalibrationBatch();
        foreach (ValueInfo input in model.Graph.RuntimeInputs())
        {
            TensorType type = input.Type ?? throw new NotSupportedException($"Input '{input.Name}' has no declared type.");
            long[] shape = type.Shape!.Select((d, i) => d.Value ?? (i == 0 ? batch : sequence)).ToArray();
            long count = OnnxTensor.ElementCountOf(shape);
            if (type.ElementType == TensorElementType.Float)
            {
                float[] data = new float[count];
                rng.Fill(data);
                result.FloatInputs[input.Name] = (data, shape);
            }
            else if (type.ElementType == TensorElementType.Int64)
            {
                bool isMask = input.Name.Contains("mask", StringComparison.OrdinalIgnoreCase);
                bool isType = input.Name.Contains("type", StringComparison.OrdinalIgnoreCase);
                long[] data = new long[count];
                for (int i = 0; i < data.Length; i++)
                {
                    data[i] = isMask ? 1 : isType ? 0 : 1 + (long)(rng.NextUniform() * 99);
                }

                result.Int64Inputs[input.Name] = (data, shape);
            }
            else
            {
                throw new NotSupportedException($"Input '{input.Name}' is {type.ElementType}; sample inputs support float and int64.");
            }
        }

        return result;
    }
}
