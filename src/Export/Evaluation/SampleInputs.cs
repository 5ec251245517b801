namespace Pipelines.Export.Evaluation;

/// <summary>Inputs for calibrating and reporting on a model: tokenized sentences for BERT-style encoders, seeded floats otherwise.</summary>
public static class SampleInputs
{
    /// <summary>A few everyday sentences used when no sample file is given.</summary>
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
    /// Batches of seeded standard-normal inputs for models whose inputs are all float; symbolic dimensions become
    /// <paramref name="batch"/> (first) or 8.
    /// </summary>
    public static IReadOnlyList<InputBatch> RandomFloat(OnnxModel model, int batches, int batch, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        var rng = new Random(seed);
        var result = new List<InputBatch>();
        for (int b = 0; b < batches; b++)
        {
            var tensors = new Dictionary<string, InputTensor>(StringComparer.Ordinal);
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

                tensors[input.Name] = new InputTensor(data, dims);
            }

            result.Add(new InputBatch(tensors));
        }

        return result;
    }
}
