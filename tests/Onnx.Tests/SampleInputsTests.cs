using Pipelines.Onnx.Runtime;
using Pipelines.Onnx.Text;
using Pipelines.Testing;
using Xunit;

namespace Pipelines.Onnx.Tests;

public class SampleInputsTests
{
    [Fact]
    public void FromSentences_IsTheSharedEncodersUntruncatedBatch()
    {
        string[] sentences = [string.Join(' ', Enumerable.Repeat("adapters", 150)), "I love this movie"];
        var encoder = WordPieceEncoder.FromVocab(MiniLm.Files.VocabPath, new WordPieceEncoderOptions { MaxLength = null });
        using TensorBatch expected = encoder.EncodeBatch(sentences);

        using TensorBatch batch = SampleInputs.FromSentences(MiniLm.Shared, MiniLm.Files.VocabPath, sentences);

        Assert.True(expected.ShapeOf(BertInputs.InputIds)[1] > 128, "sample inputs are never truncated");
        Assert.Equal(expected.Names, batch.Names);
        foreach (string name in expected.Names)
        {
            Assert.Equal(expected.Get<long>(name), batch.Get<long>(name));
            Assert.Equal(expected.ShapeOf(name), batch.ShapeOf(name));
        }
    }

    [Fact]
    public void FromSentences_KeepsOnlyDeclaredInputs()
    {
        OnnxModel idsOnly = MiniLm.LoadCopy();
        idsOnly.Graph.Inputs.RemoveAll(i => i.Name != BertInputs.InputIds);

        using TensorBatch batch = SampleInputs.FromSentences(idsOnly, MiniLm.Files.VocabPath, ["I love this movie"]);

        Assert.Equal([BertInputs.InputIds], batch.Names);
        Assert.Null(BertInputs.AttentionMaskOf(batch));
    }

    [Fact]
    public void FromSentences_OnAModelWithoutInputIds_NamesTheInputs()
    {
        var e = Assert.Throws<ArgumentException>(() => SampleInputs.FromSentences(TinyModels.Mlp(1), MiniLm.Files.VocabPath, ["hi"]));
        Assert.Contains("input_ids", e.Message, StringComparison.Ordinal);
    }
}
