using Pipelines.Onnx.Text;
using Pipelines.Testing;
using Pipelines.Transforms.LowRank;
using Xunit;

namespace Pipelines.Transforms.Tests.LowRank;

public class SampleInputsTests
{
    [Fact]
    public void FromSentences_IsTheSharedEncodersUntruncatedBatch()
    {
        string[] sentences = [string.Join(' ', Enumerable.Repeat("adapters", 150)), "I love this movie"];
        var encoder = WordPieceEncoder.FromVocab(MiniLm.Files.VocabPath, new WordPieceEncoderOptions { MaxLength = null });
        EncodedBatch expected = encoder.EncodeBatch(sentences);

        CalibrationBatch batch = SampleInputs.FromSentences(MiniLm.Shared, MiniLm.Files.VocabPath, sentences);

        Assert.True(expected.Sequence > 128, "sample inputs are never truncated");
        Assert.Equal("attention_mask", batch.MaskInput);
        Assert.Equal(3, batch.Int64Inputs.Count);
        foreach ((string name, long[] data) in expected.Tensors)
        {
            Assert.Equal(data, batch.Int64Inputs[name].Data);
            Assert.Equal(expected.Shape, batch.Int64Inputs[name].Shape);
        }
    }

    [Fact]
    public void FromTokens_KeepsOnlyDeclaredInputs()
    {
        EncodedBatch tokens = WordPieceEncoder.FromVocab(MiniLm.Files.VocabPath).EncodeBatch(["I love this movie"]);

        CalibrationBatch all = CalibrationBatch.FromTokens(tokens);
        CalibrationBatch idsOnly = CalibrationBatch.FromTokens(tokens, new HashSet<string>(["input_ids"], StringComparer.Ordinal));

        Assert.Equal(["attention_mask", "input_ids", "token_type_ids"], all.Int64Inputs.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("attention_mask", all.MaskInput);
        Assert.Equal(["input_ids"], idsOnly.Int64Inputs.Keys);
        Assert.Null(idsOnly.MaskInput);
    }

    [Fact]
    public void FromSentences_OnAModelWithoutInputIds_NamesTheInputs()
    {
        var e = Assert.Throws<ArgumentException>(() => SampleInputs.FromSentences(TinyModels.Mlp(1), MiniLm.Files.VocabPath, ["hi"]));
        Assert.Contains("input_ids", e.Message, StringComparison.Ordinal);
    }
}
