using Pipelines.Export.Calibration;
using Pipelines.Export.Evaluation;
using Pipelines.Export.Quantization;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Onnx.Text;
using Pipelines.Testing;

namespace Pipelines.Export.Tests.Calibration;

public class SyntheticTokensTests
{
    private const int V = 300, D = 16;

    /// <summary>input_ids, attention_mask → Gather(E [V, D]) → MatMul(W [D, D]) → y [batch, seq, D].</summary>
    private static OnnxModel TextModel()
    {
        var b = new GraphBuilder("text");
        string ids = b.Input(BertInputs.InputIds, TensorElementType.Int64, "batch", "seq");
        b.Input(BertInputs.AttentionMask, TensorElementType.Int64, "batch", "seq");
        string e = b.Initializer(OnnxTensor.FromFloats("E", QuantTestModels.Random(1, V * D), V, D));
        string w = b.Initializer(OnnxTensor.FromFloats("W", QuantTestModels.Random(2, D * D, 0.3f), D, D));
        b.Output(b.Op("MatMul", b.Op("Gather", e, ids), w), "y", TensorType.Of(TensorElementType.Float, "batch", "seq", D));
        return b.ToModel(13);
    }

    [Fact]
    public void FromVocabulary_FindsClsSepAndTheFirstWholeWord()
    {
        using var dir = new TempDirectory();
        string path = dir.File("vocab.txt");
        File.WriteAllLines(path, ["[PAD]", "[unused0]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "!", "a", "##s", "the", "of"]);
        SyntheticTokens t = SyntheticTokens.FromVocabulary(path);
        Assert.Equal((3, 4, 9), (t.ClsId, t.SepId, t.FirstWordId));
    }

    [Fact]
    public void FromVocabulary_OfMiniLm_IsTheDefaultLayout()
    {
        SyntheticTokens t = SyntheticTokens.FromVocabulary(MiniLm.Files.VocabPath);
        Assert.Equal(new SyntheticTokens(), t);
    }

    [Fact]
    public void FromVocabulary_WithoutSep_NamesTheFileAndTheToken()
    {
        using var dir = new TempDirectory();
        string path = dir.File("vocab.txt");
        File.WriteAllLines(path, ["[PAD]", "[CLS]", "the"]);
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => SyntheticTokens.FromVocabulary(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("[SEP]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Batches_AreFramed_InRange_Seeded_AndFollowTheRankPrior()
    {
        OnnxModel model = TextModel();
        var options = new SyntheticTokens { Sequences = 70, Length = 12, ClsId = 1, SepId = 2, FirstWordId = 10 };
        IReadOnlyList<TensorBatch> batches = options.Batches(model);
        Assert.Equal([32, 32, 6], batches.Select(b => b.Get<long>(BertInputs.InputIds).Length / 12));
        long[] ids = [.. batches.SelectMany(b => b.Get<long>(BertInputs.InputIds))];
        Assert.All(batches, b => Assert.All(b.Get<long>(BertInputs.AttentionMask), m => Assert.Equal(1L, m)));
        Assert.False(batches[0].Contains(BertInputs.TokenTypeIds));
        var words = new List<long>();
        for (int i = 0; i < 70; i++)
        {
            Assert.Equal(1L, ids[i * 12]);
            Assert.Equal(2L, ids[(i * 12) + 11]);
            words.AddRange(ids.AsSpan((i * 12) + 1, 10).ToArray());
        }

        Assert.All(words, w => Assert.InRange(w, 10, V - 1));

        // P(rank r) ∝ 1/(r + 10): the first 29 ranks of 290 carry ≈ 39 % of the mass (uniform: 10 %).
        double head = words.Count(w => w < 10 + 29) / (double)words.Count;
        Assert.InRange(head, 0.3, 0.5);
        Assert.Equal(ids, options.Batches(model).SelectMany(b => b.Get<long>(BertInputs.InputIds)));
        Assert.NotEqual(ids, (options with { Seed = 19 }).Batches(model).SelectMany(b => b.Get<long>(BertInputs.InputIds)));
        foreach (TensorBatch b in batches)
        {
            b.Dispose();
        }
    }

    [Fact]
    public void Batches_RefuseIdsOutsideTheVocabularyAndModelsWithoutInputIds()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => new SyntheticTokens().Batches(TextModel()));
        Assert.Contains("first word id 1996", e.Message, StringComparison.Ordinal);
        Assert.Contains("300", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new SyntheticTokens().Batches(QuantTestModels.MatMul(new float[4], 2, 2)));
        Assert.True(SyntheticTokens.CanFill(TextModel()));
        Assert.False(SyntheticTokens.CanFill(QuantTestModels.MatMul(new float[4], 2, 2)));

        // An input the sequences cannot fill is named.
        OnnxModel extra = TextModel();
        extra.Graph.Inputs.Add(new ValueInfo("position_ids", TensorType.Of(TensorElementType.Int64, "batch", "seq")));
        Assert.False(SyntheticTokens.CanFill(extra));
        ArgumentException e2 = Assert.Throws<ArgumentException>(() => new SyntheticTokens { FirstWordId = 10 }.Batches(extra));
        Assert.Contains("position_ids", e2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GptqSynthetic_IsTheDefault_Deterministic_AndNearestWithoutInputIds()
    {
        OnnxModel model = TextModel();
        var synthetic = new QuantizationOptions { SyntheticInputs = new SyntheticTokens { ClsId = 1, SepId = 2, FirstWordId = 10 }, EmbeddingBlockSize = 16 };
        Assert.Equal(WeightRounding.GptqSynthetic, synthetic.Rounding);
        OnnxModel a = new ModelQuantizer().Quantize(model, synthetic).Model;
        OnnxModel b = new ModelQuantizer().Quantize(model, synthetic).Model;
        OnnxModel nearest = new ModelQuantizer().Quantize(model, synthetic with { Rounding = WeightRounding.Nearest }).Model;
        Assert.Equal(OnnxModelIO.ToBytes(a), OnnxModelIO.ToBytes(b));
        Assert.NotEqual(OnnxModelIO.ToBytes(a), OnnxModelIO.ToBytes(nearest));
        Assert.Contains("gptq-synthetic", a.Metadata.Single(kv => kv.Key == "pipelines.quantization").Value, StringComparison.Ordinal);

        // No input_ids: the default rounds to nearest, bit for bit, and the metadata does not claim GPTQ.
        float[] w = QuantTestModels.Random(5, 64 * 16);
        OnnxModel plain = QuantTestModels.MatMul(w, 64, 16);
        OnnxModel byDefault = new ModelQuantizer().Quantize(plain, new QuantizationOptions()).Model;
        OnnxModel byNearest = new ModelQuantizer().Quantize(plain, new QuantizationOptions { Rounding = WeightRounding.Nearest }).Model;
        Assert.Equal(OnnxModelIO.ToBytes(byNearest), OnnxModelIO.ToBytes(byDefault));
        Assert.DoesNotContain("gptq", byDefault.Metadata.Single(kv => kv.Key == "pipelines.quantization").Value, StringComparison.Ordinal);
    }

    /// <summary>
    /// The property the default rests on: on all-MiniLM-L6-v2, GPTQ over synthetic sequences (no data) brings real sentences'
    /// embeddings closer to the float model's than nearest rounding does (MatMul weights only, min-max scales, so nothing
    /// else differs between the two).
    /// </summary>
    [Fact]
    public void GptqSynthetic_OnMiniLm_BeatsNearestOnRealSentences()
    {
        string[] sentences =
        [
            "the film is a charming and often moving story about growing up .",
            "a dull , plodding mess that never finds its footing .",
            "i loved every minute of it .",
            "the acting is fine but the script has nothing new to say .",
            "an ambitious , sprawling drama with moments of real beauty .",
            "it was a terrible day and the weather made it worse .",
            "the quick brown fox jumps over the lazy dog .",
            "we will meet at the station tomorrow morning before the train leaves .",
            "the committee published its annual report on public health last week .",
            "she played the piano while the children sang in the garden .",
            "prices rose sharply after the central bank raised interest rates .",
            "a thoughtful , funny and surprisingly tender comedy .",
        ];
        var text = new TextEncoderInputs(MiniLm.Files.VocabPath);
        using TensorBatch batch = text.Batch(sentences);
        var options = new QuantizationOptions { Search = BlockScaleSearch.MinMax, EightBit = EightBitWeights.None, QuantizeEmbeddings = false };
        float[][] reference = Pooled(MiniLm.Shared, batch);
        double nearest = MeanCosine(reference, Pooled(new ModelQuantizer().Quantize(MiniLm.Shared, options with { Rounding = WeightRounding.Nearest }).Model, batch));
        double synthetic = MeanCosine(reference, Pooled(new ModelQuantizer().Quantize(MiniLm.Shared, options).Model, batch));
        Assert.True(1 - synthetic < 0.8 * (1 - nearest), $"GPTQ over synthetic tokens: 1 − cos {1 - synthetic:E2}; nearest {1 - nearest:E2}");
    }

    private static float[][] Pooled(OnnxModel model, TensorBatch batch)
    {
        using OnnxSession s = OrtSessions.Create(model, new SessionSettings { Optimization = GraphOptimization.Basic });
        (float[] h, long[] shape) = s.RunFloat(batch, ["last_hidden_state"])["last_hidden_state"];
        long[] mask = BertInputs.AttentionMaskOf(batch)!;
        int rows = (int)shape[0], seq = (int)shape[1], d = (int)shape[2];
        var pooled = new float[rows][];
        for (int r = 0; r < rows; r++)
        {
            pooled[r] = new float[d];
            for (int t = 0; t < seq; t++)
            {
                if (mask[(r * seq) + t] != 0)
                {
                    for (int j = 0; j < d; j++)
                    {
                        pooled[r][j] += h[(((r * seq) + t) * d) + j];
                    }
                }
            }
        }

        return pooled;
    }

    private static double MeanCosine(float[][] a, float[][] b) => a.Zip(b, (x, y) =>
    {
        double xy = 0, xx = 0, yy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            xy += x[i] * (double)y[i];
            xx += x[i] * (double)x[i];
            yy += y[i] * (double)y[i];
        }

        return xy / Math.Sqrt(xx * yy);
    }).Average();
}
