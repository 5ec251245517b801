using Microsoft.ML.Tokenizers;
using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;

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
    /// Tokenizes <paramref name="sentences"/> with a BERT WordPiece vocabulary into the model's int64 inputs:
    /// <c>input_ids</c>, <c>attention_mask</c> and <c>token_type_ids</c> (those the model declares), padded to the longest.
    /// </summary>
    /// <exception cref="ArgumentException">The model has no <c>input_ids</c> input.</exception>
    public static CalibrationBatch FromSentences(OnnxModel model, string vocabPath, IReadOnlyList<string> sentences)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sentences);
        var names = model.Graph.RuntimeInputs().Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        if (!names.Contains("input_ids"))
        {
            throw new ArgumentException($"The model has no 'input_ids' input (it has {string.Join(", ", names)}); tokenized samples need one.", nameof(model));
        }

        BertTokenizer tokenizer = BertTokenizer.Create(vocabPath);
        List<IReadOnlyList<int>> ids = sentences.Select(s => tokenizer.EncodeToIds(s)).ToList();
        int length = ids.Max(i => i.Count);
        long[] tokens = new long[ids.Count * length];
        long[] mask = new long[tokens.Length];
        for (int b = 0; b < ids.Count; b++)
        {
            for (int t = 0; t < ids[b].Count; t++)
            {
                tokens[(b * length) + t] = ids[b][t];
                mask[(b * length) + t] = 1;
            }
        }

        long[] shape = [ids.Count, length];
        var batch = new CalibrationBatch { MaskInput = names.Contains("attention_mask") ? "attention_mask" : null };
        batch.Int64Inputs["input_ids"] = (tokens, shape);
        if (names.Contains("attention_mask"))
        {
            batch.Int64Inputs["attention_mask"] = (mask, shape);
        }

        if (names.Contains("token_type_ids"))
        {
            batch.Int64Inputs["token_type_ids"] = (new long[tokens.Length], shape);
        }

        return batch;
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
