using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Onnx.Text;
using Pipelines.Testing;
using Pipelines.Trainers.TextClassification;
using Xunit;

namespace Pipelines.Trainers.Tests.TextClassification;

public sealed class ClassifierGraphTests
{
    private const int Hidden = 384;

    [Fact]
    public void MeanPoolingEqualsSentenceTransformersPoolingOfLastHiddenState()
    {
        (long[] ids, long[] mask, int batch, int seq) = MiniLm.SampleBatch();
        float[] states = OrtRunner.RunEncoder(MiniLm.Shared, ids, mask, batch, seq);
        float[] expected = ReferenceMeanPool(states, mask, batch, seq);

        OnnxModel classifier = ClassifierGraph.AddHead(MiniLm.Shared, new ClassifierHeadOptions { Seed = 3 });
        Dictionary<string, float[]> outputs = Run(classifier, ids, mask, batch, seq);

        Assert.True(OrtRunner.MaxAbsDiff(expected, outputs[ClassifierGraph.PooledOutput]) < 1e-5f);

        // logits = pooled · W + b and probabilities = softmax(logits), checked in C#.
        float[] w = classifier.Graph.FindInitializer(ClassifierGraph.HeadWeight)!.ToArray<float>();
        for (int r = 0; r < batch; r++)
        {
            double l0 = 0, l1 = 0;
            for (int h = 0; h < Hidden; h++)
            {
                l0 += expected[(r * Hidden) + h] * w[(h * 2) + 0];
                l1 += expected[(r * Hidden) + h] * w[(h * 2) + 1];
            }

            Assert.Equal(l0, outputs[ClassifierGraph.LogitsOutput][r * 2], 4);
            Assert.Equal(l1, outputs[ClassifierGraph.LogitsOutput][(r * 2) + 1], 4);
            Assert.Equal(1.0 / (1.0 + Math.Exp(l0 - l1)), outputs[ClassifierGraph.ProbabilitiesOutput][(r * 2) + 1], 4);
        }
    }

    [Fact]
    public void ExtraPaddingDoesNotChangeMeanPooledVector()
    {
        TextEncoderTokenizer tokenizer = TextEncoderTokenizer.FromVocab(MiniLm.Files.VocabPath);
        OnnxModel classifier = ClassifierGraph.AddHead(MiniLm.Shared);
        using TensorBatch alone = tokenizer.EncodeBatch(["I love this movie"]);
        using TensorBatch padded = tokenizer.EncodeBatch(["I love this movie", "The quick brown fox jumps over the lazy dog"]);
        float[] a = Run(classifier, alone.Get<long>(BertInputs.InputIds), alone.Get<long>(BertInputs.AttentionMask), 1, (int)alone.ShapeOf(BertInputs.InputIds)[1])[ClassifierGraph.PooledOutput];
        float[] b = Run(classifier, padded.Get<long>(BertInputs.InputIds), padded.Get<long>(BertInputs.AttentionMask), 2, (int)padded.ShapeOf(BertInputs.InputIds)[1])[ClassifierGraph.PooledOutput];
        Assert.True(OrtRunner.MaxAbsDiff(a, b.AsSpan(0, Hidden)) < 1e-4f);
    }

    [Fact]
    public void ClsPoolingTakesFirstTokenState()
    {
        (long[] ids, long[] mask, int batch, int seq) = MiniLm.SampleBatch();
        float[] states = OrtRunner.RunEncoder(MiniLm.Shared, ids, mask, batch, seq);
        OnnxModel classifier = ClassifierGraph.AddHead(MiniLm.Shared, new ClassifierHeadOptions { Pooling = PoolingMode.Cls });
        float[] pooled = Run(classifier, ids, mask, batch, seq)[ClassifierGraph.PooledOutput];
        for (int r = 0; r < batch; r++)
        {
            Assert.True(OrtRunner.MaxAbsDiff(states.AsSpan(r * seq * Hidden, Hidden), pooled.AsSpan(r * Hidden, Hidden)) < 1e-5f);
        }
    }

    [Fact]
    public void UnknownOutputIsNamed()
    {
        var ex = Assert.Throws<ArgumentException>(() => ClassifierGraph.AddHead(MiniLm.Shared, new ClassifierHeadOptions { HiddenStateOutput = "nope" }));
        Assert.Contains("'nope'", ex.Message, StringComparison.Ordinal);
    }

    internal static float[] ReferenceMeanPool(float[] states, long[] mask, int batch, int seq)
    {
        float[] pooled = new float[batch * Hidden];
        for (int r = 0; r < batch; r++)
        {
            double count = 0;
            double[] sum = new double[Hidden];
            for (int t = 0; t < seq; t++)
            {
                if (mask[(r * seq) + t] == 0)
                {
                    continue;
                }

                count++;
                for (int h = 0; h < Hidden; h++)
                {
                    sum[h] += states[(((r * seq) + t) * Hidden) + h];
                }
            }

            for (int h = 0; h < Hidden; h++)
            {
                pooled[(r * Hidden) + h] = (float)(sum[h] / Math.Max(count, 1e-9));
            }
        }

        return pooled;
    }

    private static Dictionary<string, float[]> Run(OnnxModel model, long[] ids, long[] mask, int batch, int seq)
    {
        using OnnxSession session = OrtSessions.Create(model);
        long[] shape = [batch, seq];
        using TensorBatch inputs = new TensorBatch()
            .Add(BertInputs.InputIds, (long[])ids.Clone(), shape)
            .Add(BertInputs.AttentionMask, (long[])mask.Clone(), shape)
            .Add(BertInputs.TokenTypeIds, new long[ids.Length], shape);
        string[] names = [ClassifierGraph.PooledOutput, ClassifierGraph.LogitsOutput, ClassifierGraph.ProbabilitiesOutput];
        return session.RunFloat(inputs, names).ToDictionary(p => p.Key, p => p.Value.Data);
    }
}
