using System.Text.Json;
using Pipelines.Cli.Infrastructure;
using Pipelines.Export.Evaluation;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Cli.Tests;

/// <summary><c>export --eval</c> on a small bag-of-words text classifier: float and artifact accuracy, label agreement.</summary>
public class ExportEvalCommandTests
{
    private static readonly string[] s_positive = ["good", "great", "fine", "nice", "superb", "lovely"];
    private static readonly string[] s_negative = ["bad", "awful", "poor", "dull", "boring", "weak"];
    private static readonly string[] s_neutral = ["the", "movie", "plot", "was", "a", "very", "and", "story"];

    [Fact]
    public void Export_Int4Gptq_WithEval_ReportsAccuracyOfFloatAndArtifact()
    {
        using var dir = new TempDirectory();
        string[] vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", .. s_positive, .. s_negative, .. s_neutral];
        File.WriteAllLines(dir.File("vocab.txt"), vocab);
        string model = dir.File("clf.onnx");
        OnnxModelIO.Save(Classifier(vocab), model);
        var rng = new Random(3);
        var lines = new List<string>();
        for (int i = 0; i < 40; i++)
        {
            int label = i % 2;
            string[] pool = label == 1 ? s_positive : s_negative;
            // Mostly clear sentences, some with the opposite sentiment word too (so accuracy is not trivially 1).
            var words = new List<string> { s_neutral[rng.Next(s_neutral.Length)], pool[rng.Next(pool.Length)], s_neutral[rng.Next(s_neutral.Length)] };
            if (i % 5 == 0)
            {
                words.Add((label == 1 ? s_negative : s_positive)[rng.Next(6)]);
            }

            lines.Add($"{label} {string.Join(' ', words)}");
        }

        File.WriteAllLines(dir.File("dev.txt"), lines);
        File.WriteAllLines(dir.File("cal.txt"), lines.Take(16).Select(l => l[2..]));
        string output = dir.File("clf-int4.onnx");

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandRunner.Invoke(Program.BuildRoot(),
            ["export", "--model", model, "--quantize", "int4", "--gptq", "--calibration", dir.File("cal.txt"), "--eval", dir.File("dev.txt"), "--out", output, "--json"],
            stdout, stderr);

        Assert.True(code == 0, stderr.ToString());
        using JsonDocument doc = JsonDocument.Parse(stdout.ToString());
        JsonElement r = doc.RootElement;
        Assert.Equal(40, r.GetProperty("examples").GetInt32());
        Assert.True(r.GetProperty("quantized_nodes").GetInt32() >= 2);

        // Float accuracy computed independently: the float model run directly on the same tokenization.
        var text = new TextEncoderInputs(dir.File("vocab.txt"));
        using OnnxSession session = OrtSessions.Create(model);
        int correct = 0;
        foreach (string line in lines)
        {
            using TensorBatch batch = text.Batch([line[2..]]);
            (float[] p, _) = session.RunFloat(batch, ["probabilities"])["probabilities"];
            correct += (p[1] > p[0] ? 1 : 0) == line[0] - '0' ? 1 : 0;
        }

        Assert.Equal(correct / 40.0, r.GetProperty("float_accuracy").GetDouble(), 9);
        Assert.InRange(r.GetProperty("accuracy").GetDouble(), 0.5, 1.0);
        Assert.InRange(r.GetProperty("label_agreement").GetDouble(), 0.8, 1.0);
        Assert.True(r.GetProperty("mlnet_max_abs_diff").ValueKind == JsonValueKind.Number || r.GetProperty("mlnet_error").ValueKind == JsonValueKind.String);
    }

    [Fact]
    public void Export_EvalOnAModelWithoutClassifierOutput_IsBadUsage()
    {
        using var dir = new TempDirectory();
        string model = dir.File("mlp.onnx");
        OnnxModelIO.Save(TinyModels.Mlp(2), model);
        File.WriteAllLines(dir.File("dev.txt"), ["1 good"]);
        var stderr = new StringWriter();
        int code = CommandRunner.Invoke(Program.BuildRoot(), ["export", "--model", model, "--quantize", "int8-dynamic", "--eval", dir.File("dev.txt"), "--out", dir.File("x.onnx")], new StringWriter(), stderr);
        Assert.Equal(CommandRunner.BadUsage, code);
        Assert.Contains("probabilities", stderr.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Mean of token embeddings E[V, 64] → MatMul 64×32 → Relu → MatMul 32×2 → logits, softmax → probabilities.</summary>
    private static OnnxModel Classifier(string[] vocab)
    {
        var rng = new Random(7);
        float Noise() => (float)((rng.NextDouble() * 2) - 1) * 0.1f;
        int v = vocab.Length, d = 64, h = 32;
        var table = new float[v * d];
        for (int t = 0; t < v; t++)
        {
            float sentiment = s_positive.Contains(vocab[t]) ? 1f : s_negative.Contains(vocab[t]) ? -1f : 0f;
            for (int j = 0; j < d; j++)
            {
                table[(t * d) + j] = Noise() + (j < 8 ? sentiment : 0);
            }
        }

        var w1 = new float[d * h];
        for (int i = 0; i < w1.Length; i++)
        {
            w1[i] = Noise() + ((i / h) < 8 && (i % h) < 4 ? 0.5f : 0f);
        }

        var w2 = new float[h * 2];
        for (int j = 0; j < h; j++)
        {
            w2[j * 2] = j < 4 ? -1f : Noise();
            w2[(j * 2) + 1] = j < 4 ? 1f : Noise();
        }

        var b = new GraphBuilder("clf");
        string ids = b.Input("input_ids", TensorElementType.Int64, "batch", "seq");
        string mask = b.Input("attention_mask", TensorElementType.Int64, "batch", "seq");
        b.Input("token_type_ids", TensorElementType.Int64, "batch", "seq");
        string e = b.Op("Gather", b.Initializer(OnnxTensor.FromFloats("E", table, v, d)), ids);

        // Mean over real tokens: Σ e·mask / Σ mask.
        string m3 = b.Op("Unsqueeze", b.Op("Cast", [mask], OnnxAttribute.Int("to", (long)TensorElementType.Float)), b.Int64s("axis2", 2));
        string sum = b.Op("ReduceSum", [b.Op("Mul", e, m3), b.Int64s("axis1", 1)], OnnxAttribute.Int("keepdims", 0));
        string count = b.Op("ReduceSum", [m3, b.Int64s("axis1b", 1)], OnnxAttribute.Int("keepdims", 0));
        string pooled = b.Op("Div", sum, count);
        string hidden = b.Op("Relu", b.Op("MatMul", pooled, b.Initializer(OnnxTensor.FromFloats("W1", w1, d, h))));
        string logits = b.Op("MatMul", hidden, b.Initializer(OnnxTensor.FromFloats("W2", w2, h, 2)));
        b.Output(logits, "logits", TensorType.Of(TensorElementType.Float, "batch", 2));
        b.Output(b.Op("Softmax", [logits], OnnxAttribute.Int("axis", 1)), "probabilities", TensorType.Of(TensorElementType.Float, "batch", 2));
        return b.ToModel();
    }
}
