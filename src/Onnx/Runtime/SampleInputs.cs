using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx.Text;

namespace Pipelines.Onnx.Runtime;

/// <summary>
/// Sample inputs for running a model without a data set (calibrating, reporting on, or checking an adapted model):
/// tokenized sentences for BERT-style encoders, seeded synthetic tensors otherwise.
/// </summary>
public static class SampleInputs
{
    /// <summary>Everyday sentences used for calibration and reports when no sample file is given.</summary>
    public static IReadOnlyList<string> DefaultSentences { get; } =
    [
        "the quick brown fox jumps over the lazy dog .",
        "i loved this movie , the acting was wonderful .",
        "it was a terrible day and everything went wrong .",
        "the weather today is sunny with a light breeze .",
        "a thoughtful , beautifully shot film about family .",
        "the plot is thin and the jokes fall flat .",
        "she bought fresh bread at the market this morning .",
        "quantized models run faster on small devices .",
        "he could not stop laughing at the final scene .",
        "the service was slow but the food was excellent .",
        "an ambitious story that never quite comes together .",
        "the train was late again , so we took a taxi .",
        "this is one of the best books i have read in years .",
        "the soundtrack is forgettable and far too loud .",
        "children played in the park until the sun went down .",
        "a dull , lifeless remake of a classic .",
    ];

    /// <summary>A few real English sentences for checking an adapted model against its original.</summary>
    public static IReadOnlyList<string> CheckSentences { get; } =
    [
        "The film is a charming, funny and moving portrait of a small town.",
        "I would not recommend this restaurant to anyone who values their time.",
        "Low-rank adapters let a large model be fine-tuned with a few parameters.",
        "The quarterly report shows revenue growth in every region except Europe.",
    ];

    /// <summary>True when the model takes <c>input_ids</c>, <c>attention_mask</c> (and optionally <c>token_type_ids</c>).</summary>
    public static bool IsTextEncoder(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var names = model.Graph.RuntimeInputs().Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        return names.Contains("input_ids") && names.Contains("attention_mask") && names.IsSubsetOf(["input_ids", "attention_mask", "token_type_ids"]);
    }

    /// <summary>Reads sentences from a text file: one per line; a leading SST-style label ("0 " / "1 ") is dropped.</summary>
    public static IReadOnlyList<string> ReadSentences(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Sample file '{path}' does not exist.", path);
        }

        var lines = File.ReadLines(path).Select(l => l.Trim()).Where(l => l.Length > 0)
            .Select(l => l.Length > 2 && char.IsDigit(l[0]) && l[1] == ' ' ? l[2..] : l).ToList();
        if (lines.Count == 0)
        {
            throw new InvalidOperationException($"Sample file '{path}' has no sentences.");
        }

        return lines;
    }

    /// <summary>
    /// Tokenizes <paramref name="sentences"/> with a BERT WordPiece vocabulary (lower-cased, never truncated) into the
    /// model's int64 <c>[batch, sequence]</c> inputs: <c>input_ids</c>, <c>attention_mask</c> and <c>token_type_ids</c>
    /// (those the model declares), padded to the longest.
    /// </summary>
    /// <exception cref="ArgumentException">The model has no <c>input_ids</c> input, or there are no sentences.</exception>
    public static TensorBatch FromSentences(OnnxModel model, string vocabPath, IReadOnlyList<string> sentences) =>
        FromSentences(model, WordPieceEncoder.FromVocab(vocabPath, new WordPieceEncoderOptions { MaxLength = null }), sentences);

    /// <summary>
    /// Tokenizes <paramref name="sentences"/> with <paramref name="encoder"/> into the model's int64 <c>[batch, sequence]</c>
    /// inputs: <c>input_ids</c>, <c>attention_mask</c> and <c>token_type_ids</c> (those the model declares), padded to the longest.
    /// </summary>
    /// <exception cref="ArgumentException">The model has no <c>input_ids</c> input, or there are no sentences.</exception>
    public static TensorBatch FromSentences(OnnxModel model, WordPieceEncoder encoder, IReadOnlyList<string> sentences)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(sentences);
        var names = model.Graph.RuntimeInputs().Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        if (!names.Contains(BertInputs.InputIds))
        {
            throw new ArgumentException($"The model has no 'input_ids' input (it has {string.Join(", ", names)}); tokenized samples need one.", nameof(model));
        }

        return encoder.EncodeBatch(sentences, names);
    }

    /// <summary>
    /// Batches of seeded standard-normal inputs for models whose inputs are all float; symbolic dimensions become
    /// <paramref name="batch"/> (first) or 8.
    /// </summary>
    public static IReadOnlyList<TensorBatch> RandomFloat(OnnxModel model, int batches, int batch, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        var rng = new Random(seed);
        var result = new List<TensorBatch>();
        for (int b = 0; b < batches; b++)
        {
            var tensors = new TensorBatch();
            foreach (ValueInfo input in model.Graph.RuntimeInputs())
            {
                if (input.Type is not { ElementType: TensorElementType.Float, Shape: { } shape })
                {
                    throw new NotSupportedException($"Input '{input.Name}' is not a float tensor of known rank; give sample inputs another way.");
                }

                long[] dims = shape.Select((d, i) => d.IsFixed ? d.Value!.Value : (i == 0 ? batch : 8)).ToArray();
                var data = new float[OnnxTensor.ElementCountOf(dims)];
                for (int i = 0; i < data.Length; i++)
                {
                    data[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
                }

                tensors.Add(input.Name, data, dims);
            }

            result.Add(tensors);
        }

        return result;
    }

    /// <summary>
    /// Synthetic inputs from the declared input types: symbolic dimensions become <paramref name="batch"/> (first) or
    /// <paramref name="sequence"/>; float inputs are N(0, 1); int64 inputs named like a mask are 1, others ids in [1, 100).
    /// </summary>
    /// <exception cref="NotSupportedException">An input is neither float nor int64, or has no declared type.</exception>
    public static TensorBatch Synthetic(OnnxModel model, int batch = 2, int sequence = 16, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        var rng = new GaussianSampler(seed);
        var result = new TensorBatch();
        foreach (ValueInfo input in model.Graph.RuntimeInputs())
        {
            TensorType type = input.Type ?? throw new NotSupportedException($"Input '{input.Name}' has no declared type.");
            long[] shape = type.Shape!.Select((d, i) => d.Value ?? (i == 0 ? batch : sequence)).ToArray();
            long count = OnnxTensor.ElementCountOf(shape);
            if (type.ElementType == TensorElementType.Float)
            {
                float[] data = new float[count];
                rng.Fill(data);
                result.Add(input.Name, data, shape);
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

                result.Add(input.Name, data, shape);
            }
            else
            {
                throw new NotSupportedException($"Input '{input.Name}' is {type.ElementType}; sample inputs support float and int64.");
            }
        }

        return result;
    }
}
