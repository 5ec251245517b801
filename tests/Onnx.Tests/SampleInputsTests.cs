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
        EncodedBatch expected = encoder.EncodeBatch(sentences);

        using TensorBatch batch = SampleInputs.FromSentences(MiniLm.Shared, MiniLm.Files.VocabPath, sentences);

        Assert.True(expected.Sequence > 128, "sample inputs are never truncated");
        Assert.Same(batch.DataOf("attention_mask"), EncodedBatch.AttentionMaskOf(batch));
        Assert.Equal(3, batch.Count);
        foreach ((string name, long[] data) in expected.Tensors)
        {
            Assert.Equal(data, batch.Get<long>(name));
            Assert.Equal(expected.Shape, batch.ShapeOf(name));
        }
    }

    [Fact]
    public void ToTensorBatch_KeepsOnlyDeclaredInputs()
    {
        EncodedBatch tokens = WordPieceEncoder.FromVocab(MiniLm.Files.VocabPath).EncodeBatch(["I love this movie"]);

        using TensorBatch all = tokens.ToTensorBatch();
        using TensorBatch idsOnly = tokens.ToTensorBatch(new HashSet<string>(["input_ids"], StringComparer.Ordinal));

        Assert.Equal(["input_ids", "attention_mask", "token_type_ids"], all.Names);
        Assert.Same(tokens.AttentionMask, EncodedBatch.AttentionMaskOf(all));
        Assert.Equal(["input_ids"], idsOnly.Names);
        Assert.Null(EncodedBatch.AttentionMaskOf(idsOnly));
    }

    [Fact]
    public void FromSentences_OnAModelWithoutInputIds_NamesTheInputs()
    {
        var e = Assert.Throws<ArgumentException>(() => SampleInputs.FromSentences(TinyModels.Mlp(1), MiniLm.Files.VocabPath, ["hi"]));
        Assert.Contains("input_ids", e.Message, StringComparison.Ordinal);
    }
}
