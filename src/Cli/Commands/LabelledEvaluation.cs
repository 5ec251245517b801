using Pipelines.Onnx;
using Pipelines.Cli.Infrastructure;
using Pipelines.Export.Evaluation;
using Pipelines.Onnx.Runtime;
using Pipelines.Trainers.TextClassification;

namespace Pipelines.Cli.Commands;

/// <summary><c>export --eval</c>: labelled sentences tokenized for a text classifier, and the output its labels are read from.</summary>
internal sealed record LabelledEvaluation(IReadOnlyList<TensorBatch> Batches, IReadOnlyList<int> Labels, string Output)
{
    /// <summary>Reads <paramref name="path"/> (<c>&lt;label&gt; &lt;sentence&gt;</c> lines) for <paramref name="model"/>.</summary>
    /// <exception cref="UsageException">The file, the vocabulary or a classifier output is missing.</exception>
    public static LabelledEvaluation Create(OnnxModel model, string path, string? vocabPath)
    {
        string output = model.Graph.Outputs.Select(o => o.Name).FirstOrDefault(n => n is "probabilities" or "logits")
            ?? throw new UsageException($"--eval needs a classifier with a 'probabilities' or 'logits' output; the model's outputs are {string.Join(", ", model.Graph.Outputs.Select(o => o.Name))}.");
        if (!SampleInputs.IsTextEncoder(model) || vocabPath is null)
        {
            throw new UsageException("--eval needs a text classifier (input_ids/attention_mask inputs) and its vocab.txt (beside the model or --vocab).");
        }

        IReadOnlyList<LabeledSentence> rows = Sst2Reader.Read(path);
        if (rows.Count == 0)
        {
            throw new UsageException($"--eval file '{path}' holds no labelled sentences.");
        }

        var text = new TextEncoderInputs(vocabPath);
        return new LabelledEvaluation(text.Batches([.. rows.Select(r => r.Text)], 32), [.. rows.Select(r => r.Label)], output);
    }

    /// <summary>The index of the largest score.</summary>
    public static int ArgMax(float[] scores)
    {
        int best = 0;
        for (int i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best])
            {
                best = i;
            }
        }

        return best;
    }
}
