#include "jinja/lexer.hpp"

#include <array>

#include "jinja/template_error.hpp"
#include "jinja/utf8.hpp"

namespace switchboard::local::jinja {

std::string describe_position(std::string_view source, size_t offset) {
  if (offset > source.size()) offset = source.size();
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (source[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  const size_t column = utf8::length(source.substr(line_start, offset - line_start)) + 1;
  return std::to_string(line) + ":" + std::to_string(column);
}

std::string normalize_template_source(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
      out.push_back('\n');
    } else {
      out.push_back(source[i]);
    }
  }
  // keep_trailing_newline=False: jinja2 drops exactly one newline at the very end.
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

[[noreturn]] void fail(size_t offset, const std::string& message) {
  throw TemplateError(TemplateError::Kind::syntax, offset, message);
}

class Lexer {
 public:
  explicit Lexer(std::string_view source) : src_(source) {}

  std::vector<Token> run() {
    while (pos_ < src_.size()) lex_text_and_tag();
    tokens_.push_back({Token::Kind::end, "", src_.size()});
    return std::move(tokens_);
  }

 private:
  // Text up to the next tag, then the tag itself.
  void lex_text_and_tag() {
    const size_t text_start = pos_;
    size_t tag = src_.find('{', pos_);
    while (tag != std::string_view::npos && tag + 1 < src_.size() && src_[tag + 1] != '{' &&
           src_[tag + 1] != '%' && src_[tag + 1] != '#') {
      tag = src_.find('{', tag + 1);
    }
    if (tag == std::string_view::npos || tag + 1 >= src_.size()) {
      emit_text(src_.substr(text_start), text_start);
      pos_ = src_.size();
      return;
    }
    const char kind = src_[tag + 1];
    const char sign = tag + 2 < src_.size() && (src_[tag + 2] == '-' || src_[tag + 2] == '+') ? src_[tag + 2] : 0;
    std::string_view text = src_.substr(text_start, tag - text_start);
    text = strip_before_tag(text, text_start, sign, kind != '{');
    emit_text(text, text_start);
    pos_ = tag + 2 + (sign != 0 ? 1 : 0);

    if (kind == '#') {
      lex_comment(tag);
    } else if (kind == '%' && try_raw_block(tag)) {
      return;
    } else {
      lex_tag(kind == '{', tag);
    }
  }

  // "-" strips all whitespace; otherwise lstrip_blocks removes the indentation of a block or
  // comment tag that starts its line.
  std::string_view strip_before_tag(std::string_view text, size_t text_start, char sign, bool lstrip) const {
    if (sign == '-') {
      size_t end = text.size();
      while (end > 0 && is_space(text[end - 1])) --end;
      return text.substr(0, end);
    }
    if (sign == '+' || !lstrip) return text;
    const size_t newline = text.rfind('\n');
    const size_t line_start = newline == std::string_view::npos ? 0 : newline + 1;
    const bool line_starting = text_start == 0 || src_[text_start - 1] == '\n';
    if (line_start == 0 && !line_starting) return text;
    for (size_t i = line_start; i < text.size(); ++i) {
      if (!is_space(text[i])) return text;
    }
    return text.substr(0, line_start);
  }

  void emit_text(std::string_view text, size_t offset) {
    if (!text.empty()) tokens_.push_back({Token::Kind::text, std::string(text), offset});
  }

  // After "%}" or "#}": "-" eats all whitespace, "+" nothing, plain trim_blocks one newline.
  void skip_after_tag_end(char sign) {
    if (sign == '-') {
      while (pos_ < src_.size() && is_space(src_[pos_])) ++pos_;
    } else if (sign != '+' && pos_ < src_.size() && src_[pos_] == '\n') {
      ++pos_;
    }
  }

  void lex_comment(size_t tag) {
    const size_t content_start = pos_;
    const size_t end = src_.find("#}", pos_);
    if (end == std::string_view::npos) fail(tag, "missing end of comment tag '#}'");
    char sign = 0;
    if (end > content_start && (src_[end - 1] == '-' || src_[end - 1] == '+')) sign = src_[end - 1];
    pos_ = end + 2;
    if (sign == '-') {
      while (pos_ < src_.size() && is_space(src_[pos_])) ++pos_;
    } else if (sign != '+' && pos_ < src_.size() && src_[pos_] == '\n') {
      ++pos_;
    }
  }

  // Matches "[-+]?\s*<word>\s*" followed by a block end at `at`; returns the position after the
  // block end's "%}" and its sign, or npos.
  size_t match_block_word(size_t at, std::string_view word, char& end_sign) const {
    size_t p = at;
    while (p < src_.size() && is_space(src_[p])) ++p;
    if (src_.compare(p, word.size(), word) != 0) return std::string_view::npos;
    p += word.size();
    if (p < src_.size() && is_name_char(src_[p])) return std::string_view::npos;
    while (p < src_.size() && is_space(src_[p])) ++p;
    end_sign = 0;
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) end_sign = src_[p++];
    if (src_.compare(p, 2, "%}") != 0) return std::string_view::npos;
    return p + 2;
  }

  bool try_raw_block(size_t tag) {
    char begin_end_sign = 0;
    size_t body = match_block_word(pos_, "raw", begin_end_sign);
    if (body == std::string_view::npos || begin_end_sign == '+') return false;
    pos_ = body;
    if (begin_end_sign == '-') {
      while (pos_ < src_.size() && is_space(src_[pos_])) ++pos_;
    }
    const size_t body_start = pos_;
    for (size_t search = body_start;;) {
      const size_t candidate = src_.find("{%", search);
      if (candidate == std::string_view::npos) fail(tag, "missing end of raw directive '{% endraw %}'");
      size_t after = candidate + 2;
      const char sign = after < src_.size() && (src_[after] == '-' || src_[after] == '+') ? src_[after] : 0;
      if (sign != 0) ++after;
      char end_sign = 0;
      const size_t next = match_block_word(after, "endraw", end_sign);
      if (next == std::string_view::npos) {
        search = candidate + 2;
        continue;
      }
      std::string_view text = src_.substr(body_start, candidate - body_start);
      emit_text(strip_before_tag(text, body_start, sign, true), body_start);
      pos_ = next;
      skip_after_tag_end(end_sign);
      return true;
    }
  }

  void lex_tag(bool variable, size_t tag) {
    tokens_.push_back({variable ? Token::Kind::variable_begin : Token::Kind::block_begin, "", tag});
    int depth = 0;  // open brackets: a "}}" inside a dict literal does not end the tag
    while (true) {
      while (pos_ < src_.size() && is_space(src_[pos_])) ++pos_;
      if (pos_ >= src_.size()) {
        fail(tag, variable ? "unexpected end of template, expected '}}' to close '{{'"
                           : "unexpected end of template, expected '%}' to close '{%'");
      }
      if (depth == 0 && try_tag_end(variable)) return;
      lex_expression_token(depth);
    }
  }

  bool try_tag_end(bool variable) {
    const std::string_view close = variable ? "}}" : "%}";
    char sign = 0;
    size_t p = pos_;
    if (src_[p] == '-' || (!variable && src_[p] == '+')) sign = src_[p++];
    if (src_.compare(p, 2, close) != 0) return false;
    tokens_.push_back({variable ? Token::Kind::variable_end : Token::Kind::block_end, "", pos_});
    pos_ = p + 2;
    if (variable) {
      if (sign == '-') {
        while (pos_ < src_.size() && is_space(src_[pos_])) ++pos_;
      }
    } else {
      skip_after_tag_end(sign);
    }
    return true;
  }

  void lex_expression_token(int& depth) {
    const size_t start = pos_;
    const char c = src_[pos_];
    if (is_digit(c)) {
      lex_number(start);
    } else if (is_name_start(c)) {
      while (pos_ < src_.size() && is_name_char(src_[pos_])) ++pos_;
      tokens_.push_back({Token::Kind::name, std::string(src_.substr(start, pos_ - start)), start});
    } else if (c == '\'' || c == '"') {
      lex_string(start);
    } else {
      lex_operator(start, depth);
    }
  }

  // Digits with single underscores between them, as jinja2's (\d+_)*\d+.
  size_t scan_digits(size_t p) const {
    if (p >= src_.size() || !is_digit(src_[p])) return std::string_view::npos;
    while (p < src_.size()) {
      if (is_digit(src_[p])) {
        ++p;
      } else if (src_[p] == '_' && p + 1 < src_.size() && is_digit(src_[p + 1])) {
        ++p;
      } else {
        break;
      }
    }
    return p;
  }

  void lex_number(size_t start) {
    size_t p = scan_digits(start);
    bool is_float = false;
    // A float cannot directly follow a '.', so "x.0.1" reads as attribute accesses.
    const bool after_dot = start > 0 && src_[start - 1] == '.';
    if (!after_dot && p < src_.size() && src_[p] == '.') {
      const size_t fraction = scan_digits(p + 1);
      if (fraction != std::string_view::npos) {
        p = fraction;
        is_float = true;
      }
    }
    if (!after_dot && p < src_.size() && (src_[p] == 'e' || src_[p] == 'E')) {
      size_t q = p + 1;
      if (q < src_.size() && (src_[q] == '+' || src_[q] == '-')) ++q;
      const size_t exponent = scan_digits(q);
      if (exponent != std::string_view::npos && src_[p] == 'e') {
        p = exponent;
        is_float = true;
      }
    }
    std::string text;
    for (size_t i = start; i < p; ++i) {
      if (src_[i] != '_') text.push_back(src_[i]);
    }
    tokens_.push_back({is_float ? Token::Kind::floating : Token::Kind::integer, text, start});
    pos_ = p;
  }

  static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Python's "unicode-escape" decoding of the literal's body.
  void lex_string(size_t start) {
    const char quote = src_[start];
    size_t p = start + 1;
    std::string value;
    char32_t pending_high_surrogate = 0;
    auto append_code = [&](char32_t code) {
      if (code >= 0xD800 && code <= 0xDBFF) {
        pending_high_surrogate = code;
        return;
      }
      if (pending_high_surrogate != 0 && code >= 0xDC00 && code <= 0xDFFF) {
        code = 0x10000 + ((pending_high_surrogate - 0xD800) << 10) + (code - 0xDC00);
      } else if (pending_high_surrogate != 0) {
        utf8::append(value, 0xFFFD);
      }
      pending_high_surrogate = 0;
      utf8::append(value, code >= 0xD800 && code <= 0xDFFF ? 0xFFFD : code);
    };
    while (true) {
      if (p >= src_.size()) fail(start, "unterminated string literal");
      const char c = src_[p];
      if (c == quote) break;
      if (c != '\\') {
        if (pending_high_surrogate != 0) append_code(0xFFFD);
        value.push_back(c);
        ++p;
        continue;
      }
      if (p + 1 >= src_.size()) fail(start, "unterminated string literal");
      const char e = src_[p + 1];
      p += 2;
      switch (e) {
        case '\n': break;  // a backslash before a newline continues the line
        case '\\': append_code('\\'); break;
        case '\'': append_code('\''); break;
        case '"': append_code('"'); break;
        case 'a': append_code('\a'); break;
        case 'b': append_code('\b'); break;
        case 'f': append_code('\f'); break;
        case 'n': append_code('\n'); break;
        case 'r': append_code('\r'); break;
        case 't': append_code('\t'); break;
        case 'v': append_code('\v'); break;
        case 'x':
        case 'u':
        case 'U': {
          const size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          char32_t code = 0;
          for (size_t k = 0; k < digits; ++k) {
            const int h = p + k < src_.size() ? hex_value(src_[p + k]) : -1;
            if (h < 0) fail(p - 2, std::string("truncated \\") + e + " escape in string literal");
            code = code * 16 + static_cast<char32_t>(h);
          }
          if (code > 0x10FFFF) fail(p - 2, "illegal Unicode character in string literal");
          p += digits;
          append_code(code);
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            char32_t code = static_cast<char32_t>(e - '0');
            for (int k = 0; k < 2 && p < src_.size() && src_[p] >= '0' && src_[p] <= '7'; ++k) {
              code = code * 8 + static_cast<char32_t>(src_[p++] - '0');
            }
            append_code(code);
          } else {
            // Python keeps unknown escapes as they are: "\d" stays backslash-d.
            if (pending_high_surrogate != 0) append_code(0xFFFD);
            value.push_back('\\');
            --p;
          }
      }
    }
    if (pending_high_surrogate != 0) append_code(0xFFFD);
    tokens_.push_back({Token::Kind::string, value, start});
    pos_ = p + 1;
  }

  void lex_operator(size_t start, int& depth) {
    static constexpr std::array<std::string_view, 6> two = {"//", "**", "==", "!=", ">=", "<="};
    for (auto op : two) {
      if (src_.compare(start, 2, op) == 0) {
        tokens_.push_back({Token::Kind::op, std::string(op), start});
        pos_ = start + 2;
        return;
      }
    }
    const char c = src_[start];
    static constexpr std::string_view single = "+-/*%~[](){}><=.:|,;";
    if (single.find(c) == std::string_view::npos) {
      fail(start, std::string("unexpected character '") + c + "'");
    }
    if (c == '(' || c == '[' || c == '{') ++depth;
    if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
    tokens_.push_back({Token::Kind::op, std::string(1, c), start});
    pos_ = start + 1;
  }

  std::string_view src_;
  size_t pos_ = 0;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view normalized_source) { return Lexer(normalized_source).run(); }

}  // namespace switchboard::local::jinja
