/* report_text.h */
