using Pipelines.Export.Evaluation;
using Pipelines.Onnx.Runtime;
using Pipelines.Onnx.Text;
using Pipelines.Testing;

namespace Pipelines.Export.Tests.Evaluation;

/// <summary>The Export adapter over the shared WordPiece encoder (tokenisation itself: Onnx.Tests WordPieceEncoderTests).</summary>
public sealed class TextEncoderInputsTests
{
    [Fact]
    public void Batch_CarriesTheSharedEncodersTensorsUnderBertNames()
    {
        var text = new TextEncoderInputs(MiniLm.Files.VocabPath, maxTokens: 6);
        string[] sentences = ["The quick brown fox jumps over the lazy dog", "I love this movie", "Hi"];
        using TensorBatch expected = WordPieceEncoder.FromVocab(MiniLm.Files.VocabPath, new WordPieceEncoderOptions { MaxLength = 6 }).EncodeBatch(sentences);

        using TensorBatch batch = text.Batch(sentences);

        Assert.Equal(6, text.MaxTokens);
        Assert.Equal(["attention_mask", "input_ids", "token_type_ids"], batch.Names.Order(StringComparer.Ordinal));
        foreach (string name in expected.Names)
        {
            Assert.Equal(expected.Get<long>(name), batch.Get<long>(name));
            Assert.Equal([3L, 6], batch.ShapeOf(name));
        }

        Assert.Same(batch.DataOf("attention_mask"), BertInputs.AttentionMaskOf(batch));
        Assert.Equal([101, 1996, 4248, 2829, 4419, 102], text.Encode(sentences[0]));
    }

    [Fact]
    public void Batches_SplitInOrder()
    {
        var text = new TextEncoderInputs(MiniLm.Files.VocabPath);
        IReadOnlyList<TensorBatch> batches = text.Batches(["a", "b", "c", "d", "e"], 2);
        Assert.Equal([2, 2, 1], batches.Select(b => b.Rows));
        Assert.Throws<ArgumentOutOfRangeException>(() => text.Batches(["a"], 0));
    }
}
