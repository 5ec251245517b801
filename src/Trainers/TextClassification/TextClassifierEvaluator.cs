using Microsoft.ML.OnnxRuntime;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Onnx.Text;

namespace Pipelines.Trainers.TextClassification;

/// <summary>Scores sentences with a classifier graph (<see cref="ClassifierGraph"/>) and measures it against labels.</summary>
public static class TextClassifierEvaluator
{
    /// <summary>Class probabilities <c>[rows][C]</c> in input order (rows are batched by length to limit padding).</summary>
    public static float[][] Predict(OnnxModel classifier, TextEncoderTokenizer tokenizer, IReadOnlyList<string> texts, int batchSize = 64, SessionSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(texts);
        using OnnxSession session = OrtSessions.Create(classifier, settings);
        int[][] encoded = texts.Select(tokenizer.Encode).ToArray();
        int[] order = Enumerable.Range(0, texts.Count).OrderBy(i => encoded[i].Length).ToArray();
        var result = new float[texts.Count][];
        for (int start = 0; start < order.Length; start += batchSize)
        {
            int[] rows = order.Skip(start).Take(batchSize).ToArray();
            using TensorBatch batch = WordPieceEncoder.Pad(rows.Select(i => encoded[i]).ToArray());
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(batch, [ClassifierGraph.ProbabilitiesOutput]);
            ReadOnlySpan<float> p = outputs[0].GetTensorDataAsSpan<float>();
            int classes = p.Length / rows.Length;
            for (int r = 0; r < rows.Length; r++)
            {
                result[rows[r]] = p.Slice(r * classes, classes).ToArray();
            }
        }

        return result;
    }

    /// <summary>Accuracy, mean cross-entropy and macro-F1 on <paramref name="rows"/>.</summary>
    public static ClassificationMetrics Evaluate(OnnxModel classifier, TextEncoderTokenizer tokenizer, IReadOnlyList<LabeledSentence> rows, int batchSize = 64, SessionSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        float[][] probabilities = Predict(classifier, tokenizer, rows.Select(r => r.Text).ToArray(), batchSize, settings);
        return Score(probabilities, rows.Select(r => r.Label).ToArray());
    }

    /// <summary>Metrics of given probabilities against labels.</summary>
    public static ClassificationMetrics Score(IReadOnlyList<float[]> probabilities, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(labels);
        if (probabilities.Count != labels.Count || labels.Count == 0)
        {
            throw new ArgumentException($"{probabilities.Count} predictions for {labels.Count} labels.");
        }

        int classes = probabilities[0].Length;
        int[] tp = new int[classes], fp = new int[classes], fn = new int[classes];
        int correct = 0;
        double loss = 0;
        for (int i = 0; i < labels.Count; i++)
        {
            float[] p = probabilities[i];
            int predicted = Array.IndexOf(p, p.Max());
            int y = labels[i];
            loss -= Math.Log(Math.Max(p[y], 1e-12));
            if (predicted == y)
            {
                correct++;
                tp[y]++;
            }
            else
            {
                fp[predicted]++;
                fn[y]++;
            }
        }

        double f1 = Enumerable.Range(0, classes).Average(c => tp[c] == 0 ? 0 : 2.0 * tp[c] / ((2.0 * tp[c]) + fp[c] + fn[c]));
        return new ClassificationMetrics(correct / (double)labels.Count, loss / labels.Count, f1, labels.Count);
    }
}
